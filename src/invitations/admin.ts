import type { Kysely, Transaction } from 'kysely'
import { requireRoleOn } from '../accounts/access.js'
import { type AuditContext, changeTime } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Database, Invitation, Role } from '../db/schema.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { MEMBER_ACCESS, requireGrantable, USERS_ADMIN_ONLY } from '../members/access.js'
import { newLinkToken } from '../security/link-tokens.js'
import { validateEmail } from '../users/person.js'
import {
  insertInvitation,
  isDirectMemberByEmail,
  lockInvitation,
  lockPendingFor,
  markCancelled,
  renewInvitation,
} from './repo.js'

/** How long an invitation's link lives (CONTRACT 8: 7 days). */
export const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000

/** An invitation with its link's token: the token exists only here and in the mail. */
export interface IssuedInvitation {
  invitation: Invitation
  token: string
}

interface Actor {
  accountId: number
  actorUserId: number
}

/**
 * The Users page's "add a user" (CONTRACT 8): always an invitation, never a
 * user or a membership, and the same outcome whether or not the address has a
 * Latchkey user. A pending invitation for the address on this account is
 * replaced (a new link and role; the old link is void), recorded as a resend.
 *
 * An address that is already a direct member is refused with "already a
 * member": that says something only about this account's own members, which
 * the admin sees in the list above the form anyway, and nothing about whether
 * the address has a Latchkey user elsewhere.
 */
export async function invite(
  db: Kysely<Database>,
  input: Actor & { email: string; role: Role },
  audit: AuditContext,
): Promise<IssuedInvitation> {
  const email = validateEmail(input.email)
  const now = changeTime(audit)
  const link = newLinkToken()
  return db.transaction().execute(async (trx) => {
    const actorRole = await requireRoleOn(
      trx,
      input.actorUserId,
      input.accountId,
      MEMBER_ACCESS.create,
      USERS_ADMIN_ONLY,
    )
    requireGrantable(actorRole, input.role)
    if (await isDirectMemberByEmail(trx, input.accountId, email)) {
      throw new ConflictError(`${email} is already a member of this account; change the role in the list.`)
    }
    const values = {
      role: input.role,
      tokenHash: link.hash,
      invitedBy: input.actorUserId,
      expiresAt: new Date(now.getTime() + INVITATION_LIFETIME_MS),
    }
    const pending = await lockPendingFor(trx, input.accountId, email)
    const invitation = pending
      ? await renewInvitation(trx, pending.id, values)
      : await insertInvitation(trx, { ...values, accountId: input.accountId, email, now })
    await recordChange(trx, audit, {
      event: {
        accountId: input.accountId,
        action: pending ? 'invitation.resent' : 'invitation.created',
        targetType: 'invitation',
        targetId: invitation.id,
        details: { email: invitation.email, role: invitation.role },
      },
      // Nobody's access changes until the invitation is accepted.
      invalidate: [],
    })
    return { invitation, token: link.token }
  })
}

/** The locked, pending invitation of the admin's account; anything else is a 404. */
async function lockedPending(
  trx: Transaction<Database>,
  input: Actor & { invitationId: number },
): Promise<{ actorRole: Role; invitation: Invitation }> {
  const actorRole = await requireRoleOn(
    trx,
    input.actorUserId,
    input.accountId,
    MEMBER_ACCESS.change,
    USERS_ADMIN_ONLY,
  )
  const invitation = await lockInvitation(trx, input.invitationId)
  if (
    !invitation ||
    invitation.account_id !== input.accountId ||
    invitation.accepted_at !== null ||
    invitation.cancelled_at !== null
  ) {
    throw new NotFoundError('No such pending invitation.')
  }
  return { actorRole, invitation }
}

/** Resend: a new link and a new 7 days; the old link is void (its hash is gone). */
export async function resendInvitation(
  db: Kysely<Database>,
  input: Actor & { invitationId: number },
  audit: AuditContext,
): Promise<IssuedInvitation> {
  const now = changeTime(audit)
  const link = newLinkToken()
  return db.transaction().execute(async (trx) => {
    const { actorRole, invitation: pending } = await lockedPending(trx, input)
    requireGrantable(actorRole, pending.role)
    const invitation = await renewInvitation(trx, pending.id, {
      role: pending.role,
      tokenHash: link.hash,
      invitedBy: input.actorUserId,
      expiresAt: new Date(now.getTime() + INVITATION_LIFETIME_MS),
    })
    await recordChange(trx, audit, {
      event: {
        accountId: input.accountId,
        action: 'invitation.resent',
        targetType: 'invitation',
        targetId: invitation.id,
        details: { email: invitation.email, role: invitation.role },
      },
      invalidate: [],
    })
    return { invitation, token: link.token }
  })
}

/** Cancel: the link shows "cancelled" from now on and creates nothing. */
export async function cancelInvitation(
  db: Kysely<Database>,
  input: Actor & { invitationId: number },
  audit: AuditContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { actorRole, invitation } = await lockedPending(trx, input)
    requireGrantable(actorRole, invitation.role)
    await markCancelled(trx, invitation.id, changeTime(audit))
    await recordChange(trx, audit, {
      event: {
        accountId: input.accountId,
        action: 'invitation.cancelled',
        targetType: 'invitation',
        targetId: invitation.id,
        details: { email: invitation.email, role: invitation.role },
      },
      invalidate: [],
    })
  })
}
