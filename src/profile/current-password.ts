import type { Kysely } from 'kysely'
import { countOrRefuse, refundAttempt, throttleKeys } from '../auth/throttle.js'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { BadRequestError } from '../errors.js'
import { verifyPassword } from '../security/passwords.js'

/**
 * Throttling for the profile's "current password" check: it is a password
 * guess like a sign-in, so it counts against the sign-in limits of the same
 * address and IP (the same keys as /login). Call before the form is handled:
 * past the limit it throws a 429 (the error page, with Retry-After).
 */
export async function countPasswordGuess(
  db: Kysely<Database>,
  config: Config,
  email: string,
  ip: string,
): Promise<void> {
  await countOrRefuse(db, config, throttleKeys(email, ip), 'Too many wrong passwords.')
}

/**
 * Checks the signed-in user's current password (counted by `countPasswordGuess`):
 * right, the guess is taken back; wrong, it stays counted and a 400 says so on the form.
 */
export async function checkCurrentPassword(
  db: Kysely<Database>,
  user: { id: number; email: string },
  password: string,
  ip: string,
): Promise<void> {
  const row = await db
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', user.id)
    .executeTakeFirst()
  if (!(await verifyPassword(row?.password_hash, password))) {
    throw new BadRequestError('Your current password is not right.')
  }
  const keys = throttleKeys(user.email, ip)
  await refundAttempt(db, keys.email)
  await refundAttempt(db, keys.ip)
}
