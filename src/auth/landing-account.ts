import type { Kysely } from 'kysely'
import { accessibleAccounts } from '../accounts/repo.js'
import type { Database } from '../db/schema.js'

/**
 * The account a person lands on after signing in: the one they last used
 * (`users.last_account_id`, stored when they switch) while they can still act
 * on it, else the first they can act on, else none (issue 11, item 4: an
 * account someone else added them to must not take over their sign-in).
 */
export async function landingAccountId(
  db: Kysely<Database>,
  user: { id: number; last_account_id: number | null },
): Promise<number | null> {
  const accounts = await accessibleAccounts(db, user.id)
  const last = accounts.find((account) => account.id === user.last_account_id)
  return (last ?? accounts[0])?.id ?? null
}
