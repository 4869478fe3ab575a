import type { Kysely, Transaction } from 'kysely'
import { roleAtLeast } from '../accounts/roles.js'
import { fromPerson } from '../audit/context.js'
import { type AuditContext, type AuditOrigin, changeTime } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Database, Invitation, User } from '../db/schema.js'
import { AppError, ConflictError, NotFoundError } from '../errors.js'
import { findDirectMembership } from '../members/repo.js'
import { linkTokenHash } from '../security/link-tokens.js'
import { hashPassword } from '../security/passwords.js'
import { validatePerson } from '../users/person.js'
import { findUserByEmail, insertUser, upsertMembership } from '../users/repo.js'
import { findInvitationByTokenHash, lockInvitation, markAccepted, markCancelled } from './repo.js'

/** Why a link leads nowhere. */
export type LinkProblem = 'unknown' | 'expired' | 'used' | 'cancelled'

/**
 * A link that cannot be used. Unknown (or malformed) is 404: there is nothing
 * there. Expired, used and cancelled are 410 Gone: the invitation existed and
 * is over for good, and asking again will not change that. Either way nothing
 * was created or changed.
 */
export class InvitationLinkError extends AppError {
  constructor(readonly problem: LinkProblem) {
    super(
      problem === 'unknown' ? 404 : 410,
      problem === 'unknown' ? 'Not Found' : 'Gone',
      LINK_PROBLEMS[problem],
    )
  }
}

export const LINK_PROBLEMS: Record<LinkProblem, string> = {
  unknown: 'This invitation link is not valid. Check that you copied the whole link from the mail.',
  expired: 'This invitation has expired. Ask the account’s admin to send it again.',
  used: 'This invitation has already been accepted. Sign in to use the account.',
  cancelled: 'This invitation was cancelled or declined. Ask the account’s admin for a new one.',
}

function problemOf(invitation: Invitation, now: Date): LinkProblem | undefined {
  if (invitation.accepted_at) return 'used'
  if (invitation.cancelled_at) return 'cancelled'
  if (invitation.expires_at.getTime() <= now.getTime()) return 'expired'
  return undefined
}

/** A usable invitation, or the link problem that stops it. */
async function pendingByToken(db: Kysely<Database>, token: string, now: Date): Promise<Invitation> {
  const hash = linkTokenHash(token)
  const invitation = hash ? await findInvitationByTokenHash(db, hash) : undefined
  if (!invitation) throw new InvitationLinkError('unknown')
  const problem = problemOf(invitation, now)
  if (problem) throw new InvitationLinkError(problem)
  return invitation
}

/** The same invitation, locked and checked again inside the accepting transaction. */
async function lockStillPending(trx: Transaction<Database>, id: number, now: Date): Promise<Invitation> {
  const invitation = await lockInvitation(trx, id)
  if (!invitation) throw new InvitationLinkError('unknown')
  const problem = problemOf(invitation, now)
  if (problem) throw new InvitationLinkError(problem)
  return invitation
}

export interface OpenedInvitation {
  invitation: Invitation
  accountName: string
  invitedByName: string | undefined
  /** The Latchkey user with the invited address, if there is one. */
  user: User | undefined
}

/** What `GET /invitations/accept?token=…` shows; changes nothing. */
export async function openInvitationLink(
  db: Kysely<Database>,
  token: string,
  now: Date,
): Promise<OpenedInvitation> {
  const invitation = await pendingByToken(db, token, now)
  const [account, inviter, user] = await Promise.all([
    db.selectFrom('accounts').select('name').where('id', '=', invitation.account_id).executeTakeFirst(),
    invitation.invited_by === null
      ? undefined
      : db.selectFrom('users').select('name').where('id', '=', invitation.invited_by).executeTakeFirst(),
    findUserByEmail(db, invitation.email),
  ])
  return { invitation, accountName: account?.name ?? '', invitedByName: inviter?.name, user }
}

/** Grants the invited role and closes the invitation, as the last steps of the accepting transaction. */
async function join(
  trx: Transaction<Database>,
  audit: AuditContext,
  invitation: Invitation,
  user: Pick<User, 'id' | 'email'>,
  newUser: boolean,
): Promise<void> {
  const accountId = invitation.account_id
  const existing = await findDirectMembership(trx, accountId, user.id)
  // Accepting never lowers a role the person already holds there (given meanwhile by the CLI).
  if (!existing || !roleAtLeast(existing.role, invitation.role))
    await upsertMembership(trx, { accountId, userId: user.id, role: invitation.role })
  await markAccepted(trx, invitation.id, user.id, changeTime(audit))
  await recordChange(trx, audit, {
    event: {
      accountId,
      action: 'invitation.accepted',
      targetType: 'invitation',
      targetId: invitation.id,
      details: { email: user.email, role: invitation.role, user_id: user.id, new_user: newUser },
    },
    invalidate: [{ type: 'membership', accountId, userId: user.id }],
  })
}

/**
 * A person without a Latchkey user accepts from the mail's link: the user (with
 * the name and password they choose; the address is the invited one), the
 * membership and the accepted invitation are one transaction.
 */
export async function acceptAsNewPerson(
  db: Kysely<Database>,
  input: { token: string; name: string; password: string },
  origin: AuditOrigin & { at: Date },
): Promise<{ userId: number; accountId: number }> {
  const found = await pendingByToken(db, input.token, origin.at)
  const person = validatePerson({ email: found.email, name: input.name, password: input.password })
  // argon2 is slow: hash before the transaction.
  const passwordHash = await hashPassword(person.password)
  return db.transaction().execute(async (trx) => {
    const invitation = await lockStillPending(trx, found.id, origin.at)
    if (await findUserByEmail(trx, invitation.email)) {
      throw new ConflictError(
        `${invitation.email} already has a Latchkey user: sign in as that address to accept the invitation.`,
      )
    }
    const user = await insertUser(trx, { email: invitation.email, name: person.name, passwordHash })
    await join(trx, fromPerson(origin, user.id, user.email), invitation, user, true)
    return { userId: user.id, accountId: invitation.account_id }
  })
}

/** The signed-in person's own pending invitation, locked; someone else's is a 404. */
async function lockOwn(
  trx: Transaction<Database>,
  invitationId: number,
  user: Pick<User, 'email'>,
  now: Date,
): Promise<Invitation> {
  const invitation = await lockStillPending(trx, invitationId, now).catch((error: unknown) => {
    if (error instanceof InvitationLinkError) throw new NotFoundError('No such pending invitation.')
    throw error
  })
  if (invitation.email.toLowerCase() !== user.email.toLowerCase())
    throw new NotFoundError('No such pending invitation.')
  return invitation
}

/** An existing user accepts, signed in as the invited address. */
export async function acceptAsUser(
  db: Kysely<Database>,
  input: { invitationId: number; user: Pick<User, 'id' | 'email'> },
  audit: AuditContext,
): Promise<{ accountId: number }> {
  return db.transaction().execute(async (trx) => {
    const invitation = await lockOwn(trx, input.invitationId, input.user, changeTime(audit))
    await join(trx, audit, invitation, input.user, false)
    return { accountId: invitation.account_id }
  })
}

/** An existing user declines: the invitation is closed (recorded as cancelled, by the invitee). */
export async function declineAsUser(
  db: Kysely<Database>,
  input: { invitationId: number; user: Pick<User, 'id' | 'email'> },
  audit: AuditContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const invitation = await lockOwn(trx, input.invitationId, input.user, changeTime(audit))
    await markCancelled(trx, invitation.id, changeTime(audit))
    await recordChange(trx, audit, {
      event: {
        accountId: invitation.account_id,
        action: 'invitation.cancelled',
        targetType: 'invitation',
        targetId: invitation.id,
        details: { email: invitation.email, role: invitation.role, declined: true },
      },
      invalidate: [],
    })
  })
}
