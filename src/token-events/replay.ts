import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { asInvalidation, type Invalidation } from '../invalidation/publish.js'
import { eventsAfter, logBounds, lowestIdSince } from './repo.js'

/**
 * Ids are taken in insert order but become visible in commit order: the
 * transaction that took 9 may commit after the one that took 10, and a client
 * that saw 10 and then lost its stream has not seen 9. So a replay also sends
 * the events inserted up to this long before the client's last one. An event is
 * inserted by `recordChange`, the last step of its transaction, so the time from
 * its insert to its commit is one audit INSERT and the COMMIT: milliseconds. 30 s
 * covers a database that stalls for far longer, at the price of a few duplicate
 * events (which clients apply twice harmlessly).
 */
export const OUT_OF_ORDER_WINDOW_MS = 30_000

const PAGE_SIZE = 500

/** Where a (re)connecting client starts. */
export interface ReplayPlan {
  /** The client's last event id is unknown, or events after it are no longer kept: it must drop its cache. */
  reset: boolean
  /** Replay the events with ids above this one. */
  from: number
  /** The newest id the log held when the plan was made (0 for an empty log). */
  newest: number
}

/**
 * `after` is the client's Last-Event-ID (undefined: a first connection, which has
 * nothing cached and needs no replay). The log deletes only a prefix of itself
 * and always keeps its newest event (repo.ts), so every event after `after` is
 * still there exactly when `after` is at least the oldest kept id minus one; an
 * id above the newest was never issued by this log (another database, a restore).
 */
export async function planReplay(db: Kysely<Database>, after: number | undefined): Promise<ReplayPlan> {
  const bounds = await logBounds(db, after ?? 0)
  const newest = bounds.newest ?? 0
  if (after === undefined) return { reset: false, from: newest, newest }
  const kept =
    bounds.oldest === undefined || bounds.newest === undefined
      ? after === 0
      : after >= bounds.oldest - 1 && after <= bounds.newest
  if (!kept) return { reset: true, from: newest, newest }
  if (!bounds.anchor) return { reset: false, from: after, newest }
  const since = new Date(bounds.anchor.getTime() - OUT_OF_ORDER_WINDOW_MS)
  const lowest = await lowestIdSince(db, after, since)
  return { reset: false, from: lowest === undefined ? after : lowest - 1, newest }
}

/** The logged events after `from`, a page at a time (a day of events need not fit in memory at once). */
export async function* replayEvents(
  db: Kysely<Database>,
  from: number,
): AsyncGenerator<{ id: number; change: Invalidation }> {
  let cursor = from
  for (;;) {
    const page = await eventsAfter(db, cursor, PAGE_SIZE)
    for (const event of page) {
      cursor = event.id
      const change = asInvalidation(event.payload)
      if (change) yield { id: event.id, change }
    }
    if (page.length < PAGE_SIZE) return
  }
}
