import type { Kysely } from 'kysely'
import { recordPersonChange } from '../audit/person-events.js'
import type { AuditContext } from '../audit/record.js'
import { deleteUserSessions } from '../auth/sessions.js'
import type { Database } from '../db/schema.js'
import type { MailContent } from '../mail/compose.js'
import { linkUrl } from '../security/link-tokens.js'
import { findUserByEmail } from '../users/repo.js'
import { hashNewPassword, storePasswordHash } from './set-password.js'
import { issueUserLink, usableLink } from './user-links.js'

export const RESET_PATH = '/password/reset'

export interface ResetLink {
  userId: number
  email: string
  name: string
  link: string
}

/**
 * Makes a password reset link for an enabled user (a newer link voids the
 * older ones) and audits it with `action`: `password.reset_requested` from the
 * forgot page, `password.reset_link_issued` from the CLI. Undefined when no
 * enabled user has the address.
 */
export async function issueResetLink(
  db: Kysely<Database>,
  email: string,
  publicUrl: string,
  context: AuditContext,
  action: 'password.reset_requested' | 'password.reset_link_issued',
): Promise<ResetLink | undefined> {
  const user = await findUserByEmail(db, email.trim())
  if (!user || user.disabled_at !== null) return undefined
  const now = context.at ?? new Date()
  const token = await db.transaction().execute(async (trx) => {
    const issued = await issueUserLink(trx, { userId: user.id, purpose: 'password_reset', now })
    await recordPersonChange(trx, context, { userId: user.id, action })
    return issued
  })
  return { userId: user.id, email: user.email, name: user.name, link: linkUrl(publicUrl, RESET_PATH, token) }
}

/** The mail of a reset link (views/mail/password-reset.*). */
export function resetMail(name: string, link: string): MailContent {
  return { template: 'password-reset', subject: 'Reset your Latchkey password', data: { name, link } }
}

/**
 * Sets a new password through a reset link: the link is used up, every session
 * of the user ends (whoever knew the old password is signed out), and the
 * change is audited, all in one transaction. A refused password leaves the link usable.
 */
export async function resetPassword(
  db: Kysely<Database>,
  input: { tokenHash: string | undefined; password: string },
  context: (user: { id: number; email: string }) => AuditContext,
  now: Date,
): Promise<{ userId: number }> {
  // Checked first so that a dead link is reported before any password rule.
  await usableLink(db, input.tokenHash, 'password_reset', now, false)
  const passwordHash = await hashNewPassword(input.password)
  return db.transaction().execute(async (trx) => {
    const { userId, email } = await usableLink(trx, input.tokenHash, 'password_reset', now, true)
    await storePasswordHash(trx, userId, passwordHash, now)
    const ended = await deleteUserSessions(trx, userId)
    await recordPersonChange(trx, context({ id: userId, email }), {
      userId,
      action: 'password.reset',
      details: { sessions_ended: ended },
    })
    return { userId }
  })
}
