import type { Kysely, Transaction } from 'kysely'
import { requireAccountAdmin } from '../accounts/require-admin.js'
import { roleAtLeast, roleRank } from '../accounts/roles.js'
import { type AuditContext, recordAudit } from '../audit/record.js'
import type { Database, Role } from '../db/schema.js'
import { BadRequestError, ConflictError, NotFoundError, PermissionError } from '../errors.js'
import { publishInvalidation } from '../invalidation/publish.js'
import { hashPassword } from '../security/passwords.js'
import { findUserByEmail, insertUser, upsertMembership } from '../users/repo.js'
import { validatePerson } from '../users/service.js'
import {
  countRemainingAdmins,
  deleteMembership,
  findDirectMembership,
  type InheritedMemberRow,
  listDirectMembers,
  listInheritedMembers,
  lockAccountChain,
  type MemberRow,
} from './repo.js'

export const USERS_ADMIN_ONLY = 'Only Admin users can manage users.'

export interface Member extends MemberRow {
  /** The highest of the direct role and any inherited one. */
  effectiveRole: Role
  /** Set when an ancestor gives this person a higher role than the direct one. */
  higherInherited: InheritedMemberRow | undefined
}

/** The account's direct members (with their effective role) and the roles inherited from ancestors. */
export async function listMembers(
  db: Kysely<Database>,
  accountId: number,
): Promise<{ members: Member[]; inherited: InheritedMemberRow[] }> {
  const [direct, inherited] = await Promise.all([
    listDirectMembers(db, accountId),
    listInheritedMembers(db, accountId),
  ])
  const members = direct.map((row) => {
    const above = inherited
      .filter((i) => i.user_id === row.user_id && roleRank(i.role) > roleRank(row.role))
      .sort((a, b) => roleRank(b.role) - roleRank(a.role))[0]
    return { ...row, effectiveRole: above?.role ?? row.role, higherInherited: above }
  })
  return { members, inherited }
}

function requireGrantable(actorRole: Role, role: Role): void {
  if (!roleAtLeast(actorRole, role))
    throw new PermissionError(`You cannot grant a role above your own (${actorRole}).`)
}

/**
 * The last-admin rule. Inherited admins count: an admin of an ancestor still
 * administers this account, so a sub-account may be left without a direct admin
 * (it usually has none; its creator's role is inherited). What is refused is
 * leaving the account with no enabled admin at all, directly or by inheritance;
 * for a top-level account that means its last direct admin.
 */
async function requireAnotherAdmin(trx: Transaction<Database>, accountId: number, userId: number) {
  if ((await countRemainingAdmins(trx, accountId, userId)) === 0) {
    throw new ConflictError(
      'This is the last admin of the account. Make someone else an admin first, so the account keeps one.',
    )
  }
}

export interface NewMember {
  accountId: number
  actorUserId: number
  email: string
  name: string
  password: string
  role: Role
}

/**
 * Gives a person a role on the account. A new email creates the user; an
 * existing user just gains the role (the name and password given are ignored).
 */
export async function addMember(
  db: Kysely<Database>,
  input: NewMember,
  audit: AuditContext,
): Promise<{ userId: number; created: boolean }> {
  const email = input.email.trim()
  if (!email) throw new BadRequestError('email must be a valid email address')
  // argon2 is slow: hash before the transaction, and only when the user is new.
  const person = (await findUserByEmail(db, email)) ? undefined : validatePerson(input)
  const passwordHash = person ? await hashPassword(person.password) : undefined
  return db.transaction().execute(async (trx) => {
    const actorRole = await requireAccountAdmin(trx, input.actorUserId, input.accountId, USERS_ADMIN_ONLY)
    requireGrantable(actorRole, input.role)
    let user = await findUserByEmail(trx, email)
    const created = !user
    if (!user) {
      if (!person || !passwordHash) throw new ConflictError('That user was just removed; try again.')
      user = await insertUser(trx, { email: person.email, name: person.name, passwordHash })
    } else {
      const existing = await findDirectMembership(trx, input.accountId, user.id)
      if (existing) {
        throw new ConflictError(
          `${user.email} is already a member of this account (${existing.role}); change the role in the list.`,
        )
      }
    }
    // A grant only widens; upsertMembership's announcement still drops any cached "no role" answer.
    await upsertMembership(trx, { accountId: input.accountId, userId: user.id, role: input.role })
    await recordAudit(trx, audit, {
      accountId: input.accountId,
      action: 'membership.granted',
      targetType: 'user',
      targetId: user.id,
      details: { email: user.email, name: user.name, role: input.role, new_user: created },
    })
    return { userId: user.id, created }
  })
}

/**
 * The acting admin's role and the direct membership being changed, with the
 * account chain locked so concurrent last-admin checks cannot both pass.
 */
async function lockedMember(
  trx: Transaction<Database>,
  input: { accountId: number; actorUserId: number; userId: number },
): Promise<{ actorRole: Role; member: MemberRow }> {
  const actorRole = await requireAccountAdmin(trx, input.actorUserId, input.accountId, USERS_ADMIN_ONLY)
  await lockAccountChain(trx, input.accountId)
  const member = await findDirectMembership(trx, input.accountId, input.userId)
  if (!member) throw new NotFoundError('No such member.')
  return { actorRole, member }
}

/** Changes a direct member's role; demoting the last admin is refused. */
export async function changeMemberRole(
  db: Kysely<Database>,
  input: { accountId: number; actorUserId: number; userId: number; role: Role },
  audit: AuditContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { actorRole, member } = await lockedMember(trx, input)
    requireGrantable(actorRole, input.role)
    requireGrantable(actorRole, member.role)
    if (member.role === input.role) return
    if (member.role === 'admin') await requireAnotherAdmin(trx, input.accountId, input.userId)
    await upsertMembership(trx, input)
    await recordAudit(trx, audit, {
      accountId: input.accountId,
      action: 'membership.changed',
      targetType: 'user',
      targetId: input.userId,
      details: { email: member.email, from: member.role, to: input.role },
    })
  })
}

/** Removes a direct membership; the person's tokens on the account stop unless a role is inherited. */
export async function removeMember(
  db: Kysely<Database>,
  input: { accountId: number; actorUserId: number; userId: number },
  audit: AuditContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { actorRole, member } = await lockedMember(trx, input)
    requireGrantable(actorRole, member.role)
    if (member.role === 'admin') await requireAnotherAdmin(trx, input.accountId, input.userId)
    await deleteMembership(trx, input.accountId, input.userId)
    await publishInvalidation(trx, { type: 'membership', accountId: input.accountId, userId: input.userId })
    await recordAudit(trx, audit, {
      accountId: input.accountId,
      action: 'membership.removed',
      targetType: 'user',
      targetId: input.userId,
      details: { email: member.email, role: member.role },
    })
  })
}
