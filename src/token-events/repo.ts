import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../db/schema.js'

/** One row of the log: its id and the invalidation as stored (checked by the caller). */
export interface StoredEvent {
  id: number
  payload: unknown
}

/** What the log holds right now, and where a client's last event id sits in it. */
export interface LogBounds {
  /** The lowest and highest id kept; undefined when the log is empty. */
  oldest: number | undefined
  newest: number | undefined
  /** The insert time of the highest kept event at or below the client's id, if any. */
  anchor: Date | undefined
}

// int8 comes back as a string from pg and may come back as a bigint from PGlite; ids stay far below 2^53.
const asId = (value: string | number | bigint): number => Number(value)

/** Appends an invalidation to the log inside the changing transaction; returns its id. */
export async function insertTokenEvent(trx: Transaction<Database>, payload: string): Promise<number> {
  const row = await trx
    .insertInto('token_events')
    .values({ payload })
    .returning('id')
    .executeTakeFirstOrThrow()
  return asId(row.id)
}

export async function logBounds(db: Kysely<Database>, after: number): Promise<LogBounds> {
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .selectFrom('token_events')
        .select((e) => e.fn.min('id').as('v'))
        .as('oldest'),
      eb
        .selectFrom('token_events')
        .select((e) => e.fn.max('id').as('v'))
        .as('newest'),
      eb
        .selectFrom('token_events')
        .select('created_at')
        .where('id', '<=', after)
        .orderBy('id', 'desc')
        .limit(1)
        .as('anchor'),
    ])
    .executeTakeFirstOrThrow()
  const id = (value: unknown) =>
    value === null || value === undefined ? undefined : asId(value as string | number | bigint)
  return {
    oldest: id(row.oldest),
    newest: id(row.newest),
    anchor: row.anchor === null || row.anchor === undefined ? undefined : new Date(row.anchor as Date),
  }
}

/** The lowest id at or below `after` inserted at or after `since`, if any. */
export async function lowestIdSince(
  db: Kysely<Database>,
  after: number,
  since: Date,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('token_events')
    .select((e) => e.fn.min('id').as('id'))
    .where('id', '<=', after)
    .where('created_at', '>=', since)
    .executeTakeFirst()
  return row?.id === null || row?.id === undefined ? undefined : asId(row.id)
}

/** Up to `limit` events after `after`, in id order. */
export async function eventsAfter(
  db: Kysely<Database>,
  after: number,
  limit: number,
): Promise<StoredEvent[]> {
  const rows = await db
    .selectFrom('token_events')
    .select(['id', 'payload'])
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map((row) => ({ id: asId(row.id), payload: row.payload }))
}

/**
 * Deletes up to `batchSize` of the oldest events inserted before `cutoff`, as a
 * prefix of the log by id (so "every event after n is still kept" holds exactly
 * when n is at least the oldest kept id minus one), and never the newest event:
 * a quiet day must not leave a reconnecting client with nothing to anchor to.
 */
export async function deleteTokenEventsBefore(
  db: Kysely<Database>,
  cutoff: Date,
  batchSize: number,
): Promise<bigint> {
  const result = await db
    .deleteFrom('token_events')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('token_events')
        .select('id')
        .where(
          'id',
          '<',
          sql<string>`coalesce(
            (SELECT min(id) FROM token_events WHERE created_at >= ${cutoff}),
            (SELECT max(id) FROM token_events))`,
        )
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .skipLocked(),
    )
    .executeTakeFirst()
  return result.numDeletedRows
}
