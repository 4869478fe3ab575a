import type { Kysely, SelectQueryBuilder } from 'kysely'
import type { AuditEvent, Database } from '../db/schema.js'
import type { AuditFilters } from './filters.js'

type AuditQuery = SelectQueryBuilder<Database, 'audit_events', AuditEvent>

// LIKE treats % and _ as wildcards and \ as the escape character.
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

function filtered(db: Kysely<Database>, accountId: number, filters: AuditFilters): AuditQuery {
  let query = db.selectFrom('audit_events').selectAll().where('account_id', '=', accountId)
  if (filters.action) query = query.where('action', '=', filters.action)
  if (filters.actor) query = query.where('actor_label', 'ilike', likePattern(filters.actor))
  if (filters.from) query = query.where('created_at', '>=', filters.from)
  if (filters.until) query = query.where('created_at', '<', filters.until)
  return query
}

/**
 * One page of the account's events, newest first, by keyset: events with an id
 * below `before` (ids only grow, so a page stays stable while new events
 * arrive). `nextBefore` is set when older events remain.
 */
export async function listAuditEvents(
  db: Kysely<Database>,
  accountId: number,
  filters: AuditFilters,
  page: { limit: number; before?: number },
): Promise<{ events: AuditEvent[]; nextBefore: number | null }> {
  let query = filtered(db, accountId, filters)
  if (page.before !== undefined) query = query.where('id', '<', page.before)
  const rows = await query
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute()
  const events = rows.slice(0, page.limit)
  const more = rows.length > page.limit
  return { events, nextBefore: more ? (events.at(-1)?.id ?? null) : null }
}

/** The id just above the newest event of the previous page, for a "Newer" link (undefined on the first page). */
export async function newerPageBefore(
  db: Kysely<Database>,
  accountId: number,
  filters: AuditFilters,
  page: { limit: number; firstId: number },
): Promise<number | null | undefined> {
  const newer = await filtered(db, accountId, filters)
    .where('id', '>', page.firstId)
    .orderBy('id', 'asc')
    .limit(page.limit + 1)
    .execute()
  if (newer.length === 0) return undefined
  if (newer.length <= page.limit) return null
  return newer[page.limit - 1]!.id + 1
}

/** The actions that occur in the account's log, for the filter. */
export async function auditActions(db: Kysely<Database>, accountId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('audit_events')
    .select('action')
    .distinct()
    .where('account_id', '=', accountId)
    .orderBy('action')
    .execute()
  return rows.map((r) => r.action)
}
