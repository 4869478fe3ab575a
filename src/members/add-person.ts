import type { Kysely } from 'kysely'
import { validateAccountName } from '../accounts/name.js'
import { createAccount, findAccount } from '../accounts/repo.js'
import type { AuditContext } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Database, Role } from '../db/schema.js'
import { BadRequestError, ConflictError, NotFoundError } from '../errors.js'
import { hashPassword } from '../security/passwords.js'
import { validatePerson } from '../users/person.js'
import { findUserByEmail, insertUser, upsertMembership } from '../users/repo.js'

/** Where the person goes: an existing account, or a new top-level one. */
export type AccountChoice = { accountId: number } | { newAccountName: string }

export interface PersonToAdd {
  email: string
  name: string
  password: string
  role: Role
  account: AccountChoice
}

/**
 * The CLI's `users create`, run by an operator on the server's own machine: gives
 * a person a role on an account. A new email creates the user with the password
 * given; an existing user just gains (or changes to) the role, and their name and
 * password stay. Events: `user.created` when the user is new, then
 * `membership.granted`.
 *
 * The dashboard never comes here: an admin invites (invitations/admin.ts), so no
 * admin chooses another person's password and nobody joins without accepting
 * (issue 11, items 1 and 4).
 */
export async function addPersonToAccount(
  db: Kysely<Database>,
  input: PersonToAdd,
  audit: AuditContext,
): Promise<{ userId: number; accountId: number; created: boolean }> {
  const email = input.email.trim()
  if (!email) throw new BadRequestError('email must be a valid email address')
  // argon2 is slow: hash before the transaction, and only when the user is new.
  const person = (await findUserByEmail(db, email)) ? undefined : validatePerson({ ...input, email })
  const passwordHash = person ? await hashPassword(person.password) : undefined
  return db.transaction().execute(async (trx) => {
    let accountId: number
    if ('newAccountName' in input.account) {
      accountId = (await createAccount(trx, { name: validateAccountName(input.account.newAccountName) })).id
    } else {
      const account = await findAccount(trx, input.account.accountId)
      if (!account) throw new NotFoundError(`account ${input.account.accountId} does not exist`)
      accountId = account.id
    }
    let user = await findUserByEmail(trx, email)
    const created = !user
    if (!user) {
      if (!person || !passwordHash) throw new ConflictError('That user was just removed; try again.')
      user = await insertUser(trx, { email: person.email, name: person.name, passwordHash })
      await recordChange(trx, audit, {
        event: {
          accountId,
          action: 'user.created',
          targetType: 'user',
          targetId: user.id,
          details: { email: user.email, name: user.name },
        },
        invalidate: [],
      })
    }
    await upsertMembership(trx, { accountId, userId: user.id, role: input.role })
    // The CLI may lower an existing role: the announcement drops what caches hold.
    await recordChange(trx, audit, {
      event: {
        accountId,
        action: 'membership.granted',
        targetType: 'user',
        targetId: user.id,
        details: { email: user.email, name: user.name, role: input.role, new_user: created },
      },
      invalidate: [{ type: 'membership', accountId, userId: user.id }],
    })
    return { userId: user.id, accountId, created }
  })
}
