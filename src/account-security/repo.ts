import { type Kysely, sql, type Transaction } from 'kysely'
import { ancestorsCte } from '../accounts/tree-sql.js'
import type { Database } from '../db/schema.js'

/** The account's own setting, and the nearest ancestor that requires a second factor for it. */
export interface TwoFactorPolicy {
  own: boolean
  inheritedFrom: { id: number; name: string } | undefined
}

export async function twoFactorPolicy(db: Kysely<Database>, accountId: number): Promise<TwoFactorPolicy> {
  const { rows } = await sql<{ id: number; name: string; require_two_factor: boolean; depth: number }>`
    WITH RECURSIVE ${ancestorsCte(accountId)}
    SELECT a.id, a.name, a.require_two_factor, c.depth
    FROM chain c JOIN accounts a ON a.id = c.id
    WHERE a.require_two_factor OR c.depth = 0
    ORDER BY c.depth`.execute(db)
  const ancestor = rows.find((row) => row.depth > 0)
  return {
    own: rows.find((row) => row.depth === 0)?.require_two_factor ?? false,
    inheritedFrom: ancestor ? { id: ancestor.id, name: ancestor.name } : undefined,
  }
}

/** Sets the account's own `require_two_factor`; true when it changed. */
export async function setRequireTwoFactor(
  trx: Transaction<Database>,
  accountId: number,
  required: boolean,
): Promise<boolean> {
  const result = await trx
    .updateTable('accounts')
    .set({ require_two_factor: required })
    .where('id', '=', accountId)
    .where('require_two_factor', '!=', required)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}
