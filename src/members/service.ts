import type { Kysely, Transaction } from 'kysely'
import { requireRoleOn } from '../accounts/access.js'
import { effectiveRole } from '../accounts/repo.js'
import { roleRank } from '../accounts/roles.js'
import { type AuditContext, changeTime } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Database, Role } from '../db/schema.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { revoked, revokeTokens } from '../tokens/revoke.js'
import { upsertMembership } from '../users/repo.js'
import { MEMBER_ACCESS, requireGrantable, USERS_ADMIN_ONLY } from './access.js'
import {
  countRemainingAdmins,
  deleteMembership,
  findDirectMembership,
  type InheritedMemberRow,
  listDirectMembers,
  listInheritedMembers,
  lockAccountChain,
  type MemberRow,
  subAccountsWithoutRole,
} from './repo.js'

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

/**
 * The acting admin's role and the direct membership being changed, with the
 * account chain locked so concurrent last-admin checks cannot both pass.
 */
async function lockedMember(
  trx: Transaction<Database>,
  input: { accountId: number; actorUserId: number; userId: number },
): Promise<{ actorRole: Role; member: MemberRow }> {
  const actorRole = await requireRoleOn(
    trx,
    input.actorUserId,
    input.accountId,
    MEMBER_ACCESS.change,
    USERS_ADMIN_ONLY,
  )
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
    await recordChange(trx, audit, {
      event: {
        accountId: input.accountId,
        action: 'membership.changed',
        targetType: 'user',
        targetId: input.userId,
        details: { email: member.email, from: member.role, to: input.role },
      },
      invalidate: [{ type: 'membership', accountId: input.accountId, userId: input.userId }],
    })
  })
}

/**
 * Removes a direct membership and revokes, for good, the person's tokens (API
 * and application tokens) on the account, and on the sub-accounts below it where
 * no other membership leaves them a role. Suspending them was not enough: adding
 * the person again revived an old admin token (issue 11, item 13).
 */
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
    const stillInherits = (await effectiveRole(trx, input.userId, input.accountId)) !== undefined
    const below = stillInherits ? [] : await subAccountsWithoutRole(trx, input.accountId, input.userId)
    const tokens = await revokeTokens(
      trx,
      { accountIds: [input.accountId, ...below], userId: input.userId },
      changeTime(audit),
    )
    await recordChange(trx, audit, {
      event: {
        accountId: input.accountId,
        action: 'membership.removed',
        targetType: 'user',
        targetId: input.userId,
        details: { email: member.email, role: member.role, tokens_revoked: tokens.length },
      },
      invalidate: [
        { type: 'membership', accountId: input.accountId, userId: input.userId },
        ...revoked(tokens),
      ],
    })
  })
}
