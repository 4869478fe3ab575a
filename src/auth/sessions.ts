import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { randomSecret, sha256Hex } from '../security/secrets.js'

export const SESSION_COOKIE = 'lk_session'

export interface SessionRow {
  idHash: string
  userId: number
  currentAccountId: number | null
  lastSeenAt: Date
  /** How the session signed in: space-separated RFC 8176 values (`pwd`, `pwd otp`, `hwk`…). */
  amr: string
  /** When the person last proved who they are: the sign-in, or a later step-up (CONTRACT 9). */
  authenticatedAt: Date
  user: { id: number; email: string; name: string }
}

export interface SessionTimes {
  now: Date
  idleSeconds: number
  maxSeconds: number
}

/** Where a session was started from, for the sessions page (CONTRACT 8), and how it signed in (CONTRACT 9). */
export interface SessionOrigin {
  ip: string
  userAgent: string
  /** Space-separated RFC 8176 values; a password sign-in is `pwd`. */
  amr?: string
}

/** Starts a session and returns the raw id for the cookie; only its hash is stored. */
export async function createSession(
  db: Kysely<Database>,
  userId: number,
  currentAccountId: number | null,
  times: SessionTimes,
  origin: SessionOrigin = { ip: '', userAgent: '' },
): Promise<string> {
  const id = randomSecret(32)
  await db
    .insertInto('sessions')
    .values({
      id_hash: sha256Hex(id),
      user_id: userId,
      current_account_id: currentAccountId,
      created_at: times.now,
      last_seen_at: times.now,
      expires_at: new Date(times.now.getTime() + times.maxSeconds * 1000),
      ip: origin.ip.slice(0, 100),
      user_agent: origin.userAgent.slice(0, 500),
      amr: origin.amr ?? 'pwd',
      authenticated_at: times.now,
    })
    .execute()
  return id
}

/** The live session for a raw cookie value, or undefined when unknown, idle too long, past its lifetime or disabled. */
export async function findLiveSession(
  db: Kysely<Database>,
  rawId: string,
  times: SessionTimes,
): Promise<SessionRow | undefined> {
  const idleCutoff = new Date(times.now.getTime() - times.idleSeconds * 1000)
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select([
      's.id_hash',
      's.user_id',
      's.current_account_id',
      's.last_seen_at',
      's.amr',
      's.authenticated_at',
      's.created_at',
      'u.email',
      'u.name',
    ])
    .where('s.id_hash', '=', sha256Hex(rawId))
    .where('s.expires_at', '>', times.now)
    .where('s.last_seen_at', '>', idleCutoff)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst()
  if (!row) return undefined
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    currentAccountId: row.current_account_id,
    lastSeenAt: row.last_seen_at,
    amr: row.amr,
    authenticatedAt: row.authenticated_at ?? row.created_at,
    user: { id: row.user_id, email: row.email, name: row.name },
  }
}

/** A step-up (CONTRACT 9): the person proved again who they are in this session. */
export async function markAuthenticated(db: Kysely<Database>, idHash: string, now: Date): Promise<void> {
  await db.updateTable('sessions').set({ authenticated_at: now }).where('id_hash', '=', idHash).execute()
}

export async function touchSession(db: Kysely<Database>, idHash: string, now: Date): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute()
}

/**
 * Makes an account the session's current one and remembers it as the user's
 * last used account, where their next sign-in lands (issue 11, item 4).
 */
export async function setCurrentAccount(
  db: Kysely<Database>,
  session: { idHash: string; userId: number },
  accountId: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('sessions')
      .set({ current_account_id: accountId })
      .where('id_hash', '=', session.idHash)
      .execute()
    await trx
      .updateTable('users')
      .set({ last_account_id: accountId })
      .where('id', '=', session.userId)
      .execute()
  })
}

export async function deleteSession(db: Kysely<Database>, rawId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', sha256Hex(rawId)).execute()
}

/**
 * Ends every session of a user, or every one but `exceptIdHash` (the session
 * that asked: "sign out elsewhere", a password change). Returns how many ended.
 */
export async function deleteUserSessions(
  db: Kysely<Database>,
  userId: number,
  exceptIdHash?: string,
): Promise<number> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId)
  if (exceptIdHash) query = query.where('id_hash', '!=', exceptIdHash)
  const result = await query.executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** A session as its owner sees it on the sessions page: by its public number, never the id's hash. */
export interface SessionListing {
  id: number
  createdAt: Date
  lastSeenAt: Date
  ip: string
  userAgent: string
  /** How it signed in (RFC 8176 values, CONTRACT 9). */
  amr: string
  current: boolean
}

/** The user's live sessions (not expired, not idle too long), the most recently seen first. */
export async function listUserSessions(
  db: Kysely<Database>,
  userId: number,
  currentIdHash: string,
  times: SessionTimes,
): Promise<SessionListing[]> {
  const idleCutoff = new Date(times.now.getTime() - times.idleSeconds * 1000)
  const rows = await db
    .selectFrom('sessions')
    .select(['id', 'id_hash', 'created_at', 'last_seen_at', 'ip', 'user_agent', 'amr'])
    .where('user_id', '=', userId)
    .where('expires_at', '>', times.now)
    .where('last_seen_at', '>', idleCutoff)
    .orderBy('last_seen_at', 'desc')
    .orderBy('id', 'desc')
    .execute()
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    ip: row.ip,
    userAgent: row.user_agent,
    amr: row.amr,
    current: row.id_hash === currentIdHash,
  }))
}

/**
 * Ends one session of a user by its public number. Another user's session
 * matches nothing: the result is undefined and nothing is deleted. Returns the
 * ended session's id hash (the caller tells whether it was its own).
 */
export async function deleteUserSession(
  db: Kysely<Database>,
  userId: number,
  sessionId: number,
): Promise<string | undefined> {
  const row = await db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where('id', '=', sessionId)
    .returning('id_hash')
    .executeTakeFirst()
  return row?.id_hash
}
