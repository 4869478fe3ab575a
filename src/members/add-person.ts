import type { Kysely } from 'kysely'
import { requireRoleOn } from '../accounts/access.js'
import { validateAccountName } from '../accounts/name.js'
import { createAccount, findAccount } from '../accounts/repo.js'
import type { AuditContext } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Database, Role } from '../db/schema.js'
import { BadRequestError, ConflictError, NotFoundError } from '../errors.js'
import { hashPassword } from '../security/passwords.js'
import { validatePerson } from '../users/person.js'
import { findUserByEmail, insertUser, upsertMembership } from '../users/repo.js'
import { MEMBER_ACCESS, requireGrantable, USERS_ADMIN_ONLY } from './access.js'
import { findDirectMembership } from './repo.js'

/** Where the person goes: an existing account, or (CLI only) a new top-level one. */
export type AccountChoice = { accountId: number } | { newAccountName: string }

export interface PersonToAdd {
  email: string
  name: string
  password: string
  role: Role
  account: AccountChoice
  /**
   * Who adds: an admin of the account on the dashboard (checked in the
   * transaction; grants at most their own role; an existing member is refused,
   * the role is changed in the list instead), or the CLI on the server's own
   * machine (no check; an existing member gets the role given).
   */
  by: { actorUserId: number } | 'cli'
}

/**
 * Gives a person a role on an account. A new email creates the user; an
 * existing user just gains the role (the name and password given are ignored,
 * their password stays). Events: `user.created` when the user is new, then
 * `membership.granted`.
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
    } else if (input.by === 'cli') {
      const account = await findAccount(trx, input.account.accountId)
      if (!account) throw new NotFoundError(`account ${input.account.accountId} does not exist`)
      accountId = account.id
    } else {
      accountId = input.account.accountId
    }
    if (input.by !== 'cli') {
      const actorRole = await requireRoleOn(
        trx,
        input.by.actorUserId,
        accountId,
        MEMBER_ACCESS.create,
        USERS_ADMIN_ONLY,
      )
      requireGrantable(actorRole, input.role)
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
    } else if (input.by !== 'cli') {
      const existing = await findDirectMembership(trx, accountId, user.id)
      if (existing) {
        throw new ConflictError(
          `${user.email} is already a member of this account (${existing.role}); change the role in the list.`,
        )
      }
    }
    await upsertMembership(trx, { accountId, userId: user.id, role: input.role })
    // The CLI may lower an existing role; a grant only widens, but the
    // announcement still drops any cached "no role" answer.
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
