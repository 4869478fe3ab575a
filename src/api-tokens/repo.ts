import type { Kysely } from 'kysely'
import type { Database, Role } from '../db/schema.js'
import { USER_SUMMARY_COLUMNS, type UserSummary, userSummary } from '../users/repo.js'

/** A personal token as lists show it: the hint, never the token or its hash. */
export interface ApiTokenListing {
  id: number
  name: string
  hint: string
  permission: Role
  createdBy: UserSummary
  createdAt: Date
  lastUsedAt: Date | null
  expiresAt: Date | null
}

/**
 * The account's personal tokens that are not revoked (expired ones included,
 * newest first); `onlyId` narrows the list to one token.
 */
export async function listApiTokens(
  db: Kysely<Database>,
  accountId: number,
  onlyId?: number,
): Promise<ApiTokenListing[]> {
  let query = db
    .selectFrom('tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select([
      't.id',
      't.name',
      't.hint',
      't.permission',
      't.created_at',
      't.last_used_at',
      't.expires_at',
      ...USER_SUMMARY_COLUMNS,
    ])
    .where('t.account_id', '=', accountId)
    .where('t.kind', '=', 'personal')
    .where('t.revoked_at', 'is', null)
    .orderBy('t.id', 'desc')
  if (onlyId !== undefined) query = query.where('t.id', '=', onlyId)
  const rows = await query.execute()
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    hint: row.hint,
    permission: row.permission,
    createdBy: userSummary(row),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
  }))
}
