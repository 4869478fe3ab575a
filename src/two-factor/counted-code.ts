import type { Kysely } from 'kysely'
import type { AuditContext } from '../audit/record.js'
import { countOrRefuse, refundAttempt, throttleKeys } from '../auth/throttle.js'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { verifySecondFactorCode } from './verify-code.js'

/**
 * A second-factor code counted like a password guess (CONTRACT 9: "wrong codes
 * are throttled like passwords"): per person and per IP with the sign-in limits
 * of auth/throttle.ts, under keys of their own (`two_factor:`), counted before the
 * code is checked; past the limit a 429. A right code is taken back, so only
 * wrong ones add up.
 */
export async function checkCodeCounted(
  db: Kysely<Database>,
  config: Config,
  user: { id: number; email: string },
  code: string,
  context: AuditContext,
): Promise<boolean> {
  const keys = throttleKeys(user.email, context.ip, 'two_factor')
  await countOrRefuse(db, config, keys, 'Too many wrong codes.')
  if (!(await verifySecondFactorCode(db, config, user.id, code.slice(0, 100), context))) return false
  await refundAttempt(db, keys.email)
  await refundAttempt(db, keys.ip)
  return true
}
