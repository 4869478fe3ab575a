import type { Kysely } from 'kysely'
import { fromCli } from '../audit/context.js'
import { recordPersonChange } from '../audit/person-events.js'
import { deleteUserSessions } from '../auth/sessions.js'
import type { Database } from '../db/schema.js'
import { NotFoundError } from '../errors.js'
import { findUserByEmail } from '../users/repo.js'
import { issueResetLink } from './reset.js'
import { hashNewPassword, storePasswordHash } from './set-password.js'

// The operator commands of CONTRACT 8 (`latchkey users set-password|reset-link`),
// run by cli.ts on the server's own machine: an unknown address is said plainly.

function noSuchUser(email: string): NotFoundError {
  return new NotFoundError(`no user with email ${email}`)
}

/** Sets a user's password (rules of /setup) and ends every session of the user. */
export async function setPasswordByOperator(
  db: Kysely<Database>,
  email: string,
  password: string,
  now: Date,
): Promise<{ userId: number; sessionsEnded: number }> {
  const user = await findUserByEmail(db, email.trim())
  if (!user) throw noSuchUser(email)
  const passwordHash = await hashNewPassword(password)
  return db.transaction().execute(async (trx) => {
    await storePasswordHash(trx, user.id, passwordHash, now)
    const sessionsEnded = await deleteUserSessions(trx, user.id)
    await recordPersonChange(trx, fromCli(now), {
      userId: user.id,
      action: 'password.set_by_operator',
      details: { sessions_ended: sessionsEnded },
    })
    return { userId: user.id, sessionsEnded }
  })
}

/** A one-time reset link, the same kind the forgot page mails (30 min; voids older ones). */
export async function resetLinkByOperator(
  db: Kysely<Database>,
  email: string,
  publicUrl: string,
  now: Date,
): Promise<{ userId: number; link: string }> {
  const issued = await issueResetLink(db, email, publicUrl, fromCli(now), 'password.reset_link_issued')
  if (!issued) {
    const user = await findUserByEmail(db, email.trim())
    throw user ? new NotFoundError(`user ${email} is disabled; enable them first`) : noSuchUser(email)
  }
  return { userId: issued.userId, link: issued.link }
}
