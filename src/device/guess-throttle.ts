import type { Kysely } from 'kysely'
import { countOrRefuse, refundAttempt } from '../auth/throttle.js'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'

/**
 * Guessing user codes on /device (RFC 8628 5.1): every code looked up counts,
 * per session (at the sign-in limit per address, LOGIN_MAX_FAILURES) and per
 * client IP (LOGIN_MAX_FAILURES_PER_IP), in the database so the count holds
 * across instances; a code that names a device authorization is taken back, so
 * only wrong codes add up. Past either limit: 429 with Retry-After, for the
 * lockout of the sign-in throttle, whatever the next code. With 2.6e10 codes
 * and a few dozen tries per address per quarter hour, a ten-minute code is
 * out of reach.
 */
export function guessKeys(sessionIdHash: string, ip: string): { email: string; ip: string } {
  return { email: `device:session:${sessionIdHash}`, ip: `device:ip:${ip}` }
}

export async function countGuess(
  db: Kysely<Database>,
  config: Config,
  keys: { email: string; ip: string },
): Promise<void> {
  await countOrRefuse(db, config, keys, 'Too many wrong codes.')
}

/** The code was a real one: it does not count against the person. */
export async function refundGuess(db: Kysely<Database>, keys: { email: string; ip: string }): Promise<void> {
  await refundAttempt(db, keys.email)
  await refundAttempt(db, keys.ip)
}
