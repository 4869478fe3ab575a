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
