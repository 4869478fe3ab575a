import { type Kysely, sql, type Transaction } from 'kysely'
import { validateAccountName } from '../accounts/name.js'
import { createAccount } from '../accounts/repo.js'
import type { AuditAction } from '../audit/actions.js'
import { fromPerson } from '../audit/context.js'
import type { AuditContext, AuditOrigin } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Database, Role } from '../db/schema.js'
import { NotFoundError } from '../errors.js'
import { type AccountChoice, addPersonToAccount } from '../members/add-person.js'
import { hashPassword } from '../security/passwords.js'
import { type NewPerson, validatePerson } from './person.js'
import { insertUser, upsertMembership } from './repo.js'

/**
 * First run: creates the first user as admin of a new top-level account. Refused
 * once any user exists; the table lock makes two concurrent set-ups safe.
 */
export async function setupFirstAdmin(
  db: Kysely<Database>,
  input: NewPerson & { accountName: string },
  audit: AuditOrigin,
): Promise<{ userId: number; accountId: number }> {
  const person = validatePerson(input)
  const accountName = validateAccountName(input.accountName, 'account_name')
  const passwordHash = await hashPassword(person.password)
  return db.transaction().execute(async (trx) => {
    await sql`LOCK TABLE users IN EXCLUSIVE MODE`.execute(trx)
    const existing = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst()
    if (existing) throw new NotFoundError('Latchkey is already set up.')
    return createAdminOfNewAccount(
      trx,
      { email: person.email, name: person.name, passwordHash, accountName },
      audit,
      'setup.completed',
    )
  })
}

/**
 * A new person as the admin of a new top-level account, in the caller's
 * transaction: the user, the account, the membership, and the audit event (on
 * the new account, the person as the actor). First-run setup and the
 * activation of a sign-up both start this way.
 */
export async function createAdminOfNewAccount(
  trx: Transaction<Database>,
  person: { email: string; name: string; passwordHash: string; accountName: string },
  audit: AuditOrigin,
  action: Extract<AuditAction, 'setup.completed' | 'signup.activated'>,
): Promise<{ userId: number; accountId: number }> {
  const user = await insertUser(trx, {
    email: person.email,
    name: person.name,
    passwordHash: person.passwordHash,
  })
  const account = await createAccount(trx, { name: person.accountName })
  await upsertMembership(trx, { accountId: account.id, userId: user.id, role: 'admin' })
  await recordChange(trx, fromPerson(audit, user.id, user.email), {
    event: { accountId: account.id, action, targetType: 'user', targetId: user.id },
    invalidate: [{ type: 'membership', accountId: account.id, userId: user.id }],
  })
  return { userId: user.id, accountId: account.id }
}

/**
 * The CLI's `users create`: creates a user (or finds an existing one by email)
 * and gives them a role on a new top-level account or an existing one. An
 * existing user keeps their password; an existing member gets the role given.
 */
export function addUserWithRole(
  db: Kysely<Database>,
  input: { email: string; name: string; password: string | undefined; role: Role; account: AccountChoice },
  audit: AuditContext,
): Promise<{ userId: number; accountId: number; created: boolean }> {
  return addPersonToAccount(db, { ...input, password: input.password ?? '', by: 'cli' }, audit)
}
