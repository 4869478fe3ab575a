import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import { insertTokenEvent } from '../token-events/repo.js'

/** The PostgreSQL channel on which every change that can narrow or kill a token is announced. */
export const INVALIDATION_CHANNEL = 'latchkey_token_changes'

/**
 * What changed. A validation cache drops every entry the change touches:
 * `token` by token id, `authorization`/`application` by those ids, `user` every
 * token of the user, `account` every token on the account or below it,
 * `membership` the user's tokens on the account or below it. The introspection
 * caller cache drops a `service` by id, and an application's credentials on
 * `application` (deleted) or `client_secret` (secret regenerated; its tokens live on).
 */
export type Invalidation =
  | { type: 'token'; id: number }
  | { type: 'authorization'; id: number }
  | { type: 'application'; id: number }
  | { type: 'user'; id: number }
  | { type: 'account'; id: number }
  | { type: 'membership'; accountId: number; userId: number }
  | { type: 'service'; id: number }
  | { type: 'client_secret'; id: number }

/**
 * The types that can change a token's answer, and so go into the token_events
 * log and out on `GET /token-events`. `service` and `client_secret` only change
 * who may call introspection, never what a token is.
 */
export const LOGGED_TYPES: ReadonlySet<Invalidation['type']> = new Set([
  'token',
  'authorization',
  'application',
  'user',
  'account',
  'membership',
])

/**
 * A change as announced over NOTIFY: the invalidation and, for a logged type,
 * its id in token_events. `eventId` is undefined for the types that are not
 * logged, and for a payload from an instance that predates the log (a rolling
 * upgrade), whose change is then in no log.
 */
export interface Announcement {
  change: Invalidation
  eventId: number | undefined
}

export type LocalInvalidationListener = (change: Invalidation) => void

// Caches of this process learn about their own instance's changes right away,
// before the commit, instead of a few milliseconds later over LISTEN: a revoke
// followed at once by a request on the same instance must already fail. Keyed by
// the Kysely dialect adapter, which a database handle and all its transactions
// share, so publishInvalidation(trx) finds the caches of the apps on that database.
const localListeners = new WeakMap<object, Set<LocalInvalidationListener>>()

function databaseKey(db: Kysely<Database>): object {
  return db.getExecutor().adapter
}

/** Subscribes to changes published through `db` (or a transaction of it) in this process; returns the unsubscribe. */
export function onLocalInvalidation(db: Kysely<Database>, listener: LocalInvalidationListener): () => void {
  const key = databaseKey(db)
  let listeners = localListeners.get(key)
  if (!listeners) {
    listeners = new Set()
    localListeners.set(key, listeners)
  }
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/**
 * Announces a change with NOTIFY, inside the transaction that makes the change
 * (the type refuses a plain handle): PostgreSQL delivers the notification only
 * if, and when, it commits. The caches of this process drop the affected entries
 * at once as well (a rolled-back change only costs them a few misses). Services
 * call it through `recordChange` (audit/record-change.ts), which writes the
 * audit event in the same step.
 */
export async function publishInvalidation(trx: Transaction<Database>, change: Invalidation): Promise<void> {
  for (const listener of localListeners.get(databaseKey(trx)) ?? []) listener(change)
  const text = JSON.stringify(change)
  // The event id rides in the same flat object: an instance that predates the log
  // reads the payload as before and ignores the extra field.
  const payload = LOGGED_TYPES.has(change.type)
    ? JSON.stringify({ ...change, eventId: await insertTokenEvent(trx, text) })
    : text
  await sql`SELECT pg_notify(${INVALIDATION_CHANNEL}, ${payload})`.execute(trx)
}

const NUMERIC_FIELDS: Record<Invalidation['type'], readonly string[]> = {
  token: ['id'],
  authorization: ['id'],
  application: ['id'],
  user: ['id'],
  account: ['id'],
  membership: ['accountId', 'userId'],
  service: ['id'],
  client_secret: ['id'],
}

/** A parsed JSON value as an Invalidation with only its own fields, or undefined when it is not one. */
export function asInvalidation(value: unknown): Invalidation | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const record = value as Record<string, unknown>
  const type = record.type as Invalidation['type']
  const fields = Object.hasOwn(NUMERIC_FIELDS, type) ? NUMERIC_FIELDS[type] : undefined
  if (!fields?.every((f) => Number.isInteger(record[f]))) return undefined
  return Object.fromEntries([['type', type], ...fields.map((f) => [f, record[f]])]) as Invalidation
}

/**
 * A notification payload as an Announcement, or undefined when it is not one
 * (the caller then drops everything). Payloads without `eventId` (older
 * instances, unlogged types) are still read.
 */
export function parseAnnouncement(payload: string | undefined): Announcement | undefined {
  let value: unknown
  try {
    value = JSON.parse(payload ?? '')
  } catch {
    return undefined
  }
  const change = asInvalidation(value)
  if (!change) return undefined
  const eventId = (value as Record<string, unknown>).eventId
  return {
    change,
    eventId: Number.isSafeInteger(eventId) && (eventId as number) > 0 ? (eventId as number) : undefined,
  }
}
