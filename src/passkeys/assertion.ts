import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server'
import { isoBase64URL } from '@simplewebauthn/server/helpers'
import type { Kysely } from 'kysely'
import { fromPerson } from '../audit/context.js'
import { type AuditOrigin, recordAudit } from '../audit/record.js'
import type { Database } from '../db/schema.js'
import { descriptorsOf, transportsOf } from './descriptors.js'
import type { RelyingParty } from './relying-party.js'
import { findPasskeyByCredentialId, type OwnedPasskey, type PasskeyRow, recordPasskeyUse } from './repo.js'
import { userHandleText } from './user-handle.js'

/**
 * The amr of a passkey use (RFC 8176): `hwk` for a device-bound credential (its
 * key never leaves the authenticator), `swk` for a multi-device one (backup
 * eligible: a synced passkey, whose key lives in a password manager's software).
 */
export type PasskeyAmr = 'hwk' | 'swk'

export type AssertionOutcome =
  | { ok: true; passkey: OwnedPasskey; amr: PasskeyAmr }
  | { ok: false; passkey?: OwnedPasskey; reason: 'unknown' | 'invalid' | 'sign_count' }

/** Options for `navigator.credentials.get()`: user verification required; `allow` empty for a discoverable credential. */
export function assertionOptions(
  rp: RelyingParty,
  allow: PasskeyRow[] = [],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.rpID,
    userVerification: 'required',
    allowCredentials: descriptorsOf(allow),
  })
}

/**
 * Verifies an assertion against its challenge and the stored credential (of
 * `ownerId` when the person is known: step-up), then records the use. The sign counter must go up where either side is non-zero
 * (WebAuthn 6.1.1: a counter that goes backwards can mean a cloned
 * authenticator); a refusal for that reason is audited `passkey.sign_count_refused`
 * in the owner's history. Synced passkeys report 0 forever, which passes.
 */
export async function verifyAssertion(
  db: Kysely<Database>,
  rp: RelyingParty,
  expectedChallenge: string,
  response: AuthenticationResponseJSON,
  origin: AuditOrigin,
  ownerId?: number,
): Promise<AssertionOutcome> {
  const found = await findPasskeyByCredentialId(db, response.id)
  const passkey = ownerId === undefined || found?.user_id === ownerId ? found : undefined
  if (!passkey) return { ok: false, reason: 'unknown' }
  const handle = response.response.userHandle
  if (handle !== undefined && handle !== userHandleText(passkey.user_id)) {
    return { ok: false, passkey, reason: 'invalid' }
  }
  const verification = await verifyAuthenticationResponse({
    response,
    expectedChallenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.rpID,
    requireUserVerification: true,
    // The counter is judged below, so that its refusal can be told from a bad signature.
    credential: {
      id: passkey.credential_id,
      publicKey: isoBase64URL.toBuffer(passkey.public_key),
      counter: 0,
      transports: transportsOf(passkey),
    },
  }).catch(() => undefined)
  if (!verification?.verified) return { ok: false, passkey, reason: 'invalid' }
  const { newCounter, credentialBackedUp, credentialDeviceType } = verification.authenticationInfo
  const counted = newCounter > 0 || passkey.sign_count > 0
  const recorded =
    !(counted && newCounter <= passkey.sign_count) &&
    (await recordPasskeyUse(
      db,
      { id: passkey.id, signCount: passkey.sign_count },
      { signCount: newCounter, backedUp: credentialBackedUp },
      origin.at ?? new Date(),
    ))
  if (!recorded) {
    await recordAudit(db, fromPerson(origin, passkey.user_id, passkey.email), {
      accountId: null,
      action: 'passkey.sign_count_refused',
      targetType: 'user',
      targetId: passkey.user_id,
      details: { passkey_id: passkey.id, stored: passkey.sign_count, presented: newCounter },
    })
    return { ok: false, passkey, reason: 'sign_count' }
  }
  return { ok: true, passkey, amr: credentialDeviceType === 'multiDevice' ? 'swk' : 'hwk' }
}
