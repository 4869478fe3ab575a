import type { FastifyInstance } from 'fastify'
import type { Role } from '../db/schema.js'
import type { MailOutcome } from '../mail/mailer.js'
import { linkUrl } from '../security/link-tokens.js'
import type { IssuedInvitation } from './admin.js'

export const ACCEPT_PATH = '/invitations/accept'

/** What the admin who made or resent an invitation is told. */
export interface InvitationSent {
  email: string
  role: Role
  /** The mail reached the SMTP server or the outbox within the bounded wait. */
  delivered: boolean
  /**
   * The link, when the admin is to be shown it: the mail could not be sent (yet),
   * or Latchkey does not run in production (CONTRACT 8: shown once, to hand over).
   */
  link: string | undefined
}

/**
 * Mails the invitation after its transaction has committed and waits (bounded,
 * `MAIL_WAIT_MS`) for the outcome, since an admin caused it and must be told if
 * it failed. The link never goes to the log or into a redirect URL: only into
 * the mail and, where allowed, the page rendered for this one response.
 */
export async function mailInvitation(
  app: FastifyInstance,
  issued: IssuedInvitation,
  names: { accountName: string; inviterName: string },
): Promise<InvitationSent> {
  const { invitation, token } = issued
  const link = linkUrl(app.config.publicUrl, ACCEPT_PATH, token)
  const outcome: MailOutcome = await app.mailer.send(invitation.email, {
    template: 'invitation',
    subject: `Invitation to join ${names.accountName} on Latchkey`,
    data: { link, accountName: names.accountName, inviterName: names.inviterName, role: invitation.role },
  })
  const delivered = outcome.state === 'delivered'
  return {
    email: invitation.email,
    role: invitation.role,
    delivered,
    link: !delivered || !app.config.production ? link : undefined,
  }
}
