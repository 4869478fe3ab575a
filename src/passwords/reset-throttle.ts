import type { Kysely } from 'kysely'
import { lockedForSeconds, recordAttempt, refundAttempt, throttlePolicy } from '../auth/throttle.js'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { TooManyRequestsError } from '../errors.js'

// A reset has no address to count by (the token names the user), so it is
// counted per client IP with the sign-in limit per IP (CONTRACT 8: "throttled
// like sign-in"); a reset that succeeds is taken back, so only failures add up.
const key = (ip: string) => `password_reset:ip:${ip}`

export async function countResetAttempt(db: Kysely<Database>, config: Config, ip: string): Promise<void> {
  const policy = throttlePolicy(config)
  const now = config.now()
  if ((await recordAttempt(db, key(ip), policy.maxFailuresPerIp, policy, now)) !== null) return
  const locked = Math.max(1, await lockedForSeconds(db, [key(ip)], now))
  throw new TooManyRequestsError(
    `Too many attempts from your address. Try again in ${Math.ceil(locked / 60)} minute(s).`,
    locked,
  )
}

export function refundResetAttempt(db: Kysely<Database>, ip: string): Promise<void> {
  return refundAttempt(db, key(ip))
}
