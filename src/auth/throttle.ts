import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

/**
 * Login throttling kept in the database, so it holds across instances. Failures
 * are counted per email and per client IP inside a window; past the limit the key
 * is locked out for a while. Unknown emails are counted exactly like known ones.
 */
export interface ThrottlePolicy {
  maxFailuresPerEmail: number
  maxFailuresPerIp: number
  windowSeconds: number
  lockoutSeconds: number
}

export function throttleKeys(email: string, ip: string): { email: string; ip: string } {
  return { email: `email:${email.trim().toLowerCase()}`, ip: `ip:${ip}` }
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

/** Counts one failure against a key; returns the failures in the current window. */
export async function recordFailure(
  db: Kysely<Database>,
  key: string,
  limit: number,
  policy: ThrottlePolicy,
  now: Date,
): Promise<number> {
  const windowStart = new Date(now.getTime() - policy.windowSeconds * 1000)
  const lockUntil = new Date(now.getTime() + policy.lockoutSeconds * 1000)
  const row = await db
    .insertInto('login_throttle')
    .values({ key, failures: 1, window_starts_at: now, locked_until: limit <= 1 ? lockUntil : null })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => {
        const expired = eb('login_throttle.window_starts_at', '<', windowStart)
        const failures = eb
          .case()
          .when(expired)
          .then(1)
          .else(eb('login_throttle.failures', '+', 1))
          .end()
        return {
          failures,
          window_starts_at: eb
            .case()
            .when(expired)
            .then(now)
            .else(eb.ref('login_throttle.window_starts_at'))
            .end(),
          locked_until: eb
            .case()
            .when(eb(failures, '>=', limit))
            .then(lockUntil)
            .else(eb.ref('login_throttle.locked_until'))
            .end(),
        }
      }),
    )
    .returning('failures')
    .executeTakeFirstOrThrow()
  return row.failures
}

export async function clearFailures(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', key).execute()
}
