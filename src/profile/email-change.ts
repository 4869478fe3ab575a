import type { Kysely } from 'kysely'
import { recordPersonChange } from '../audit/person-events.js'
import type { AuditContext } from '../audit/record.js'
import type { Database } from '../db/schema.js'
import { BadRequestError, ConflictError } from '../errors.js'
import type { MailContent } from '../mail/compose.js'
import { issueUserLink, usableLink } from '../passwords/user-links.js'
import { linkUrl } from '../security/link-tokens.js'
import { validateEmail } from '../users/person.js'
import { findUserByEmail } from '../users/repo.js'

export const EMAIL_CONFIRM_PATH = '/settings/profile/email/confirm'

export interface EmailChangeMails {
  confirm: { to: string; content: MailContent }
  notice: { to: string; content: MailContent }
}

/**
 * Asks to change a user's address: a confirmation link (24 h) for the new
 * address and a notice for the old one, returned to be sent after the commit.
 * Whether the new address belongs to someone else is NOT checked here, so the
 * answer cannot tell (CONTRACT 8's rule for answers about addresses); the link
 * checks it when followed.
 */
export async function requestEmailChange(
  db: Kysely<Database>,
  input: { user: { id: number; email: string; name: string }; newEmail: string; publicUrl: string },
  context: AuditContext,
  now: Date,
): Promise<EmailChangeMails> {
  const newEmail = validateEmail(input.newEmail)
  if (newEmail.toLowerCase() === input.user.email.toLowerCase())
    throw new BadRequestError('That is already your email address.')
  const token = await db.transaction().execute(async (trx) => {
    const issued = await issueUserLink(trx, { userId: input.user.id, purpose: 'email_change', newEmail, now })
    await recordPersonChange(trx, context, {
      userId: input.user.id,
      action: 'email.change_requested',
      details: { new_email: newEmail },
    })
    return issued
  })
  const { name } = input.user
  const link = linkUrl(input.publicUrl, EMAIL_CONFIRM_PATH, token)
  const forgotLink = new URL('password/forgot', `${input.publicUrl}/`).href
  return {
    confirm: {
      to: newEmail,
      content: {
        template: 'email-change-confirm',
        subject: 'Confirm your new Latchkey email address',
        data: { name, newEmail, link },
      },
    },
    notice: {
      to: input.user.email,
      content: {
        template: 'email-change-notice',
        subject: 'Your Latchkey email address is being changed',
        data: { name, newEmail, forgotLink },
      },
    },
  }
}

/**
 * Follows a confirmation link: the address changes if nobody took it meanwhile
 * (a clear 409 page otherwise, nothing changed, the link still unused), the
 * link is used up, and the user's tokens are invalidated (their answers carry
 * the address as `username`).
 */
export async function confirmEmailChange(
  db: Kysely<Database>,
  tokenHash: string | undefined,
  context: (user: { id: number; email: string }) => AuditContext,
  now: Date,
): Promise<{ userId: number; email: string }> {
  const taken = (email: string) =>
    new ConflictError(`${email} now belongs to another Latchkey account, so your address was not changed.`)
  return db.transaction().execute(async (trx) => {
    const link = await usableLink(trx, tokenHash, 'email_change', now, true)
    const newEmail = link.newEmail ?? ''
    const holder = await findUserByEmail(trx, newEmail)
    if (holder && holder.id !== link.userId) throw taken(newEmail)
    await trx
      .updateTable('users')
      .set({ email: newEmail })
      .where('id', '=', link.userId)
      .execute()
      .catch((error: unknown) => {
        // The unique index on lower(email) catches a sign-up that took the address since the check.
        throw (error as { code?: string } | null)?.code === '23505' ? taken(newEmail) : error
      })
    await recordPersonChange(trx, context({ id: link.userId, email: link.email }), {
      userId: link.userId,
      action: 'email.changed',
      details: { old_email: link.email, new_email: newEmail },
      invalidate: [{ type: 'user', id: link.userId }],
    })
    return { userId: link.userId, email: newEmail }
  })
}
