import type { Kysely } from 'kysely'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { TooManyRequestsError } from '../errors.js'

/**
 * Login throttling kept in the database, so it holds across instances. Attempts
 * are counted per email and per client IP inside a window before the password is
 * checked; successes are taken back, so the count is of failures; at the limit the
 * key is locked out for a while. Unknown emails are counted exactly like known ones.
 */
export interface ThrottlePolicy {
  maxFailuresPerEmail: number
  maxFailuresPerIp: number
  windowSeconds: number
  lockoutSeconds: number
}

/** The limits of CONTRACT 8 (`LOGIN_MAX_FAILURES`, `LOGIN_MAX_FAILURES_PER_IP`, the window and lockout). */
export function throttlePolicy(config: Config): ThrottlePolicy {
  return {
    maxFailuresPerEmail: config.loginMaxFailuresPerEmail,
    maxFailuresPerIp: config.loginMaxFailuresPerIp,
    windowSeconds: config.loginWindowSeconds,
    lockoutSeconds: config.loginLockoutSeconds,
  }
}

/** Sign-in keys are unprefixed; other throttled requests (`signup`, `password_forgot`, …) have their own. */
export function throttleKeys(email: string, ip: string, scope = ''): { email: string; ip: string } {
  const prefix = scope ? `${scope}:` : ''
  return { email: `${prefix}email:${email.trim().toLowerCase()}`, ip: `${prefix}ip:${ip}` }
}

/**
 * Throttles a request that mails someone (sign-up, forgotten password): every
 * request counts, per address and per client IP, in the database and before
 * any work, with the sign-in limits. Known and unknown addresses count alike,
 * so the limit tells nothing about who is registered. Past the limit: 429 with
 * Retry-After (a page for browsers, through the error handler).
 */
export async function throttleMailRequest(
  db: Kysely<Database>,
  config: Config,
  scope: string,
  email: string,
  ip: string,
): Promise<void> {
  await countOrRefuse(db, config, throttleKeys(email, ip, scope), 'Too many requests for this address.')
}

/**
 * Counts one attempt against an address key and an IP key, before any work;
 * past either limit, takes the address's count back and refuses with a 429
 * whose message starts with `refusal` and says how long to wait.
 */
export async function countOrRefuse(
  db: Kysely<Database>,
  config: Config,
  keys: { email: string; ip: string },
  refusal: string,
): Promise<void> {
  const policy = throttlePolicy(config)
  const now = config.now()
  const byEmail = await recordAttempt(db, keys.email, policy.maxFailuresPerEmail, policy, now)
  const byIp =
    byEmail === null ? null : await recordAttempt(db, keys.ip, policy.maxFailuresPerIp, policy, now)
  if (byEmail !== null && byIp !== null) return
  if (byEmail !== null) await refundAttempt(db, keys.email)
  const locked = Math.max(1, await lockedForSeconds(db, [keys.email, keys.ip], now))
  throw new TooManyRequestsError(`${refusal} Try again in ${Math.ceil(locked / 60)} minute(s).`, locked)
}

/** Seconds until the first of the keys is unlocked, or 0 when none is locked. */
export async function lockedForSeconds(db: Kysely<Database>, keys: string[], now: Date): Promise<number> {
  const rows = await db
    .selectFrom('login_throttle')
    .select('locked_until')
    .where('key', 'in', keys)
    .where('locked_until', '>', now)
    .execute()
  const until = Math.max(0, ...rows.map((r) => r.locked_until?.getTime() ?? 0))
  return until === 0 ? 0 : Math.ceil((until - now.getTime()) / 1000)
}

/**
 * Counts one sign-in attempt against a key BEFORE its password is verified, in one
 * statement that increments and returns the count, so concurrent attempts (on one
 * instance or several) each see their own number and a burst cannot get more than
 * `limit` verifications. The attempt that reaches the limit locks the key; while a
 * key is locked nothing is counted and `null` comes back: refuse the attempt.
 * After a lockout ends inside the same window, each attempt locks it again (the
 * count stays at the limit) until the window expires. A successful attempt is
 * taken back with `refundAttempt` (or the key cleared), so only failures add up.
 */
export async function recordAttempt(
  db: Kysely<Database>,
  key: string,
  limit: number,
  policy: ThrottlePolicy,
  now: Date,
): Promise<number | null> {
  const windowStart = new Date(now.getTime() - policy.windowSeconds * 1000)
  const lockUntil = new Date(now.getTime() + policy.lockoutSeconds * 1000)
  const row = await db
    .insertInto('login_throttle')
    .values({ key, failures: 1, window_starts_at: now, locked_until: limit <= 1 ? lockUntil : null })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet((eb) => {
          const expired = eb('login_throttle.window_starts_at', '<', windowStart)
          const attempts = eb
            .case()
            .when(expired)
            .then(1)
            .else(eb.fn<number>('least', [eb('login_throttle.failures', '+', 1), eb.val(limit)]))
            .end()
          return {
            failures: attempts,
            window_starts_at: eb
              .case()
              .when(expired)
              .then(now)
              .else(eb.ref('login_throttle.window_starts_at'))
              .end(),
            locked_until: eb
              .case()
              .when(eb(attempts, '>=', limit))
              .then(lockUntil)
              .else(eb.ref('login_throttle.locked_until'))
              .end(),
          }
        })
        // The row is locked and re-read by ON CONFLICT, so this sees every attempt before it.
        .where((eb) =>
          eb.or([
            eb('login_throttle.locked_until', 'is', null),
            eb('login_throttle.locked_until', '<=', now),
          ]),
        ),
    )
    .returning('failures')
    .executeTakeFirst()
  return row?.failures ?? null
}

/**
 * Takes back one attempt that turned out to be a success (or was refused for
 * another key), and lifts the lock it may have set: the count never exceeds the
 * limit, so without this attempt the key is below it.
 */
export async function refundAttempt(db: Kysely<Database>, key: string): Promise<void> {
  await db
    .updateTable('login_throttle')
    .set((eb) => ({
      failures: eb.fn<number>('greatest', [eb('failures', '-', 1), eb.val(0)]),
      locked_until: null,
    }))
    .where('key', '=', key)
    .execute()
}

export async function clearFailures(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', key).execute()
}
