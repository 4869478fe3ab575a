import type { Kysely } from 'kysely'
import type { Database, TokenKind } from '../db/schema.js'

/** A reported token as the report needs it: whose it is, where, and whether it still works. */
export interface ReportedToken {
  id: number
  kind: TokenKind
  token_hash: string
  hint: string
  name: string
  account_id: number
  account_name: string
  application_id: number | null
  application_name: string | null
  expires_at: Date | null
  revoked_at: Date | null
  owner_email: string
  owner_name: string
}

/**
 * Every token among `hashes` in one query (a report of many strings costs one
 * round trip), with its owner (`tokens.user_id`: the person who created a
 * personal token or authorized an application), account and application. Joins
 * across features because the leak report asks for all of it at once.
 */
export function findTokensByHash(db: Kysely<Database>, hashes: readonly string[]): Promise<ReportedToken[]> {
  if (hashes.length === 0) return Promise.resolve([])
  return db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .innerJoin('accounts', 'accounts.id', 'tokens.account_id')
    .leftJoin('applications', 'applications.id', 'tokens.application_id')
    .select([
      'tokens.id',
      'tokens.kind',
      'tokens.token_hash',
      'tokens.hint',
      'tokens.name',
      'tokens.account_id',
      'accounts.name as account_name',
      'tokens.application_id',
      'applications.name as application_name',
      'tokens.expires_at',
      'tokens.revoked_at',
      'users.email as owner_email',
      'users.name as owner_name',
    ])
    .where('tokens.token_hash', 'in', hashes)
    .execute()
}

/** A reported refresh token (`lkr_`), with the chain it belongs to and the person who authorized the application. */
export interface ReportedRefreshToken {
  id: number
  token_hash: string
  family: string
  authorization_id: number
  account_id: number
  account_name: string
  application_id: number
  application_name: string
  expires_at: Date
  used_at: Date | null
  revoked_at: Date | null
  owner_email: string
  owner_name: string
}

/** Every refresh token among `hashes` in one query, as `findTokensByHash` does for access tokens. */
export function findRefreshTokensByHash(
  db: Kysely<Database>,
  hashes: readonly string[],
): Promise<ReportedRefreshToken[]> {
  if (hashes.length === 0) return Promise.resolve([])
  return db
    .selectFrom('refresh_tokens as r')
    .innerJoin('users', 'users.id', 'r.user_id')
    .innerJoin('accounts', 'accounts.id', 'r.account_id')
    .innerJoin('applications', 'applications.id', 'r.application_id')
    .select([
      'r.id',
      'r.token_hash',
      'r.family',
      'r.authorization_id',
      'r.account_id',
      'accounts.name as account_name',
      'r.application_id',
      'applications.name as application_name',
      'r.expires_at',
      'r.used_at',
      'r.revoked_at',
      'users.email as owner_email',
      'users.name as owner_name',
    ])
    .where('r.token_hash', 'in', hashes)
    .execute()
}
