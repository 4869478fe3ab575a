import type { Transaction } from 'kysely'
import type { Database, Role, TokenKind } from '../db/schema.js'
import type { Invalidation } from '../invalidation/publish.js'

/** Which live tokens to revoke; every given field must match. */
export interface RevokeWhere {
  id?: number
  tokenHash?: string
  kind?: TokenKind
  accountId?: number
  /** Any of these accounts (an empty list matches nothing). */
  accountIds?: readonly number[]
  userId?: number
  applicationId?: number
  authorizationId?: number
  /** Only tokens whose own permission is higher than this one (the `role` enum is ordered). */
  permissionAbove?: Role
  codeHash?: string
}

export interface RevokedToken {
  id: number
  name: string
  account_id: number
}

/**
 * Marks the matching live tokens revoked at `now` (the only such UPDATE) and
 * returns them; the caller records the change with `revoked(rows)` as its
 * invalidations. An empty `where` is refused: it would revoke every token.
 */
export async function revokeTokens(
  trx: Transaction<Database>,
  where: RevokeWhere,
  now: Date,
): Promise<RevokedToken[]> {
  if (Object.values(where).every((value) => value === undefined))
    throw new Error('revokeTokens needs a filter')
  if (where.accountIds?.length === 0) return []
  let query = trx.updateTable('tokens').set({ revoked_at: now }).where('revoked_at', 'is', null)
  if (where.id !== undefined) query = query.where('id', '=', where.id)
  if (where.tokenHash !== undefined) query = query.where('token_hash', '=', where.tokenHash)
  if (where.kind !== undefined) query = query.where('kind', '=', where.kind)
  if (where.accountId !== undefined) query = query.where('account_id', '=', where.accountId)
  if (where.accountIds !== undefined) query = query.where('account_id', 'in', where.accountIds)
  if (where.userId !== undefined) query = query.where('user_id', '=', where.userId)
  if (where.applicationId !== undefined) query = query.where('application_id', '=', where.applicationId)
  if (where.authorizationId !== undefined) query = query.where('authorization_id', '=', where.authorizationId)
  if (where.permissionAbove !== undefined) query = query.where('permission', '>', where.permissionAbove)
  if (where.codeHash !== undefined) query = query.where('code_hash', '=', where.codeHash)
  return query.returning(['id', 'name', 'account_id']).execute()
}

/** The invalidations that announce revoked tokens. */
export function revoked(rows: readonly { id: number }[]): Invalidation[] {
  return rows.map((row) => ({ type: 'token', id: row.id }))
}
