import type { Kysely } from 'kysely'
import type { AuditContext } from '../audit/record.js'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { BadRequestError } from '../errors.js'
import { checkCurrentPassword, countPasswordGuess } from '../profile/current-password.js'
import { checkCodeCounted } from './counted-code.js'

/**
 * A signed-in person proves it is them before removing their authenticator app:
 * their password, or a code (TOTP or recovery). Either is a guess counted like a
 * sign-in (auth/throttle.ts): the password under the sign-in keys, a code under
 * the second step's (counted-code.ts); a wrong answer is a 400.
 */
export async function confirmWithPasswordOrCode(
  db: Kysely<Database>,
  config: Config,
  user: { id: number; email: string },
  answer: { password: string; code: string },
  context: AuditContext,
): Promise<void> {
  if (answer.code.trim() === '') {
    await countPasswordGuess(db, config, user.email, context.ip)
    await checkCurrentPassword(db, user, answer.password, context.ip)
    return
  }
  if (!(await checkCodeCounted(db, config, user, answer.code, context))) {
    throw new BadRequestError('That code is not right.')
  }
}
