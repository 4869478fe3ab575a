import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server'
import type { Kysely } from 'kysely'
import type { AuditOrigin } from '../audit/record.js'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { assertionOptions, type PasskeyAmr, verifyAssertion } from './assertion.js'
import { storeChallenge, takeChallenge } from './challenges.js'
import { relyingParty } from './relying-party.js'
import { listPasskeys } from './repo.js'

/**
 * For the step-up confirmation (CONTRACT 9): assertion options limited to the
 * signed-in person's passkeys, and the raw challenge id for the `lk_passkey`
 * cookie (`setChallengeCookie`). Undefined when passkeys are not offered (an IP
 * address in PUBLIC_URL) or the person has none.
 */
export async function passkeyStepUpOptions(
  db: Kysely<Database>,
  config: Config,
  userId: number,
): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; challengeId: string } | undefined> {
  const rp = relyingParty(config.publicUrl)
  const passkeys = rp ? await listPasskeys(db, userId) : []
  if (!rp || passkeys.length === 0) return undefined
  const options = await assertionOptions(rp, passkeys)
  const challengeId = await storeChallenge(
    db,
    'passkey_step_up',
    { challenge: options.challenge, userId, nextPath: '' },
    config.now(),
  )
  return { options, challengeId }
}

/**
 * Runs an assertion for a known signed-in person (purpose `passkey_step_up`):
 * the challenge must be theirs, unexpired and unused, the passkey theirs, the
 * signature and sign counter right. Returns the amr the confirmation adds, or null.
 */
export async function verifyPasskeyForUser(
  db: Kysely<Database>,
  config: Config,
  input: { userId: number; challengeId: string | undefined; response: AuthenticationResponseJSON },
  origin: AuditOrigin,
): Promise<PasskeyAmr | null> {
  const rp = relyingParty(config.publicUrl)
  const challenge = await takeChallenge(db, 'passkey_step_up', input.challengeId, config.now())
  if (!rp || !challenge || challenge.userId !== input.userId) return null
  const outcome = await verifyAssertion(db, rp, challenge.challenge, input.response, origin, input.userId)
  return outcome.ok ? outcome.amr : null
}
