import type { AuthenticationResponseJSON } from '@simplewebauthn/server'
import type { Kysely } from 'kysely'
import { fromPerson } from '../audit/context.js'
import { type AuditOrigin, recordAudit } from '../audit/record.js'
import { landingAccountId } from '../auth/landing-account.js'
import {
  lockedForSeconds,
  recordAttempt,
  refundAttempt,
  throttleKeys,
  throttlePolicy,
} from '../auth/throttle.js'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { TooManyRequestsError } from '../errors.js'
import type { Metrics } from '../metrics/metrics.js'
import { findUser } from '../users/repo.js'
import { type PasskeyAmr, verifyAssertion } from './assertion.js'
import type { StoredChallenge } from './challenges.js'
import type { RelyingParty } from './relying-party.js'

export type PasskeySignIn =
  | { ok: true; userId: number; accountId: number | null; amr: PasskeyAmr; nextPath: string }
  | { ok: false }

/**
 * "Sign in with a passkey" (CONTRACT 9): a discoverable credential names its
 * owner, so no email is typed. Failures count against the client IP's sign-in
 * limit (the key a password sign-in uses, auth/throttle.ts), before any work;
 * a success is taken back. The sign-in lands where a password sign-in would.
 */
export async function signInWithPasskey(
  db: Kysely<Database>,
  config: Config,
  rp: RelyingParty,
  input: { challenge: StoredChallenge | undefined; response: AuthenticationResponseJSON },
  origin: AuditOrigin,
  logins?: Metrics['logins'],
): Promise<PasskeySignIn> {
  const policy = throttlePolicy(config)
  const ipKey = throttleKeys('', origin.ip).ip
  const now = config.now()
  if ((await recordAttempt(db, ipKey, policy.maxFailuresPerIp, policy, now)) === null) {
    const locked = Math.max(1, await lockedForSeconds(db, [ipKey], now))
    logins?.inc({ result: 'lockout' })
    throw new TooManyRequestsError(
      `Too many failed sign-in attempts. Try again in ${Math.ceil(locked / 60)} minute(s).`,
      locked,
    )
  }
  const outcome = input.challenge
    ? await verifyAssertion(db, rp, input.challenge.challenge, input.response, origin)
    : undefined
  const user =
    outcome?.ok && outcome.passkey.disabled_at === null
      ? await findUser(db, outcome.passkey.user_id)
      : undefined
  if (outcome?.ok && user && input.challenge) {
    await refundAttempt(db, ipKey)
    await recordAudit(db, fromPerson({ ...origin, amr: outcome.amr }, user.id, user.email), {
      accountId: null,
      action: 'login.succeeded',
      targetType: 'user',
      targetId: user.id,
      details: { method: 'passkey', passkey_id: outcome.passkey.id },
    })
    logins?.inc({ result: 'success' })
    const accountId = await landingAccountId(db, user)
    return { ok: true, userId: user.id, accountId, amr: outcome.amr, nextPath: input.challenge.nextPath }
  }
  logins?.inc({ result: 'failure' })
  const owner = outcome?.passkey
  await recordAudit(db, fromPerson(origin, owner?.user_id ?? null, owner?.email ?? ''), {
    accountId: null,
    action: 'login.failed',
    targetType: 'user',
    targetId: owner?.user_id ?? '',
    details: {
      method: 'passkey',
      reason: outcome ? (outcome.ok ? 'disabled' : outcome.reason) : 'challenge',
    },
  })
  return { ok: false }
}
