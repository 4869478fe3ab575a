import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

/**
 * A token's OpenID Connect scopes and its person's name and email, for
 * /oauth/userinfo. Joins tokens and users: the question is userinfo's, so the
 * query lives here. Whether the token is active is the validator's answer, not this.
 */
export function findTokenSubject(db: Kysely<Database>, tokenId: number) {
  return db
    .selectFrom('tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.scopes', 't.user_id', 't.account_id', 'u.name', 'u.email'])
    .where('t.id', '=', tokenId)
    .executeTakeFirst()
}
