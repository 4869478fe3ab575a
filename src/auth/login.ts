import type { Kysely } from 'kysely'
import { fromPerson } from '../audit/context.js'
import { type AuditOrigin, recordAudit } from '../audit/record.js'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { TooManyRequestsError } from '../errors.js'
import type { Metrics } from '../metrics/metrics.js'
import { upgradePasswordHash } from '../passwords/hash-upgrade.js'
import { verifyPassword } from '../security/passwords.js'
import { needsSecondStep } from '../two-factor/second-step.js'
import { findUserByEmail } from '../users/repo.js'
import { landingAccountId } from './landing-account.js'
import { recordSignIn } from './record-sign-in.js'
import {
  clearFailures,
  lockedForSeconds,
  recordAttempt,
  refundAttempt,
  throttleKeys,
  throttlePolicy,
} from './throttle.js'

/** `secondStep`: the password was right, and a code comes next before a session (CONTRACT 9). */
export type LoginResult =
  | { ok: true; userId: number; accountId: number | null; secondStep: boolean }
  | { ok: false }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Checks an email and password. Unknown email, wrong password and disabled user
 * follow the same path (an argon2 verification each) and give the same answer.
 * Repeated failures slow down, then lock the email and the IP out for a while.
 * A right password is a sign-in (`login.succeeded`) only for a person without an
 * authenticator app; for the others the second step records it after the code.
 */
export async function attemptLogin(
  db: Kysely<Database>,
  config: Config,
  input: { email: string; password: string },
  audit: AuditOrigin,
  logins?: Metrics['logins'],
): Promise<LoginResult> {
  const policy = throttlePolicy(config)
  const keys = throttleKeys(input.email, audit.ip)
  const now = config.now()
  // Counted before the password is verified, atomically in the database: a burst
  // of concurrent attempts gets at most the limit of verifications (issue 11, item 3).
  const emailAttempts = await recordAttempt(db, keys.email, policy.maxFailuresPerEmail, policy, now)
  const ipAttempts =
    emailAttempts === null ? null : await recordAttempt(db, keys.ip, policy.maxFailuresPerIp, policy, now)
  if (emailAttempts === null || ipAttempts === null) {
    if (emailAttempts !== null) await refundAttempt(db, keys.email)
    const locked = Math.max(1, await lockedForSeconds(db, [keys.email, keys.ip], now))
    logins?.inc({ result: 'lockout' })
    throw new TooManyRequestsError(
      `Too many failed sign-in attempts. Try again in ${Math.ceil(locked / 60)} minute(s).`,
      locked,
    )
  }
  const user = await findUserByEmail(db, input.email.trim())
  const usable = user && user.disabled_at === null ? user : undefined
  const valid = await verifyPassword(usable?.password_hash, input.password)
  const context = fromPerson(audit, user?.id ?? null, input.email.trim())
  if (valid && usable) {
    await clearFailures(db, keys.email)
    await refundAttempt(db, keys.ip)
    await upgradePasswordHash(db, usable, input.password)
    const accountId = await landingAccountId(db, usable)
    const secondStep = await needsSecondStep(db, usable.id)
    if (!secondStep) await recordSignIn(db, context, usable.id)
    logins?.inc({ result: 'success' })
    return { ok: true, userId: usable.id, accountId, secondStep }
  }
  logins?.inc({ result: 'failure' })
  await recordAudit(db, context, {
    accountId: null,
    action: 'login.failed',
    targetType: 'user',
    targetId: user?.id ?? '',
  })
  // Slow down from the third failure on: 250 ms, 500 ms, 1 s, capped at 2 s.
  if (emailAttempts >= 3 && config.loginSlowdownMs > 0) {
    await sleep(Math.min(2000, config.loginSlowdownMs * 2 ** (emailAttempts - 3)))
  }
  return { ok: false }
}
