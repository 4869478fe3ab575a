import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'

/** The PostgreSQL channel on which every change that can narrow or kill a token is announced. */
export const INVALIDATION_CHANNEL = 'latchkey_token_changes'

/**
 * What changed. A validation cache drops every entry the change touches:
 * `token` by token id, `authorization`/`application` by those ids, `user` every
 * token of the user, `account` every token on the account or below it,
 * `membership` the user's tokens on the account or below it.
 */
export type Invalidation =
  | { type: 'token'; id: number }
  | { type: 'authorization'; id: number }
  | { type: 'application'; id: number }
  | { type: 'user'; id: number }
  | { type: 'account'; id: number }
  | { type: 'membership'; accountId: number; userId: number }

/**
 * Announces a change with NOTIFY. Call it with the transaction that makes the
 * change: PostgreSQL delivers the notification only if, and when, it commits.
 */
export async function publishInvalidation(db: Kysely<Database>, change: Invalidation): Promise<void> {
  await sql`SELECT pg_notify(${INVALIDATION_CHANNEL}, ${JSON.stringify(change)})`.execute(db)
}
