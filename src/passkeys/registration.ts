import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server'
import { isoBase64URL } from '@simplewebauthn/server/helpers'
import type { Kysely } from 'kysely'
import { recordPersonChange } from '../audit/person-events.js'
import { type AuditContext, changeTime } from '../audit/record.js'
import type { Database } from '../db/schema.js'
import { BadRequestError, ConflictError } from '../errors.js'
import type { StoredChallenge } from './challenges.js'
import { descriptorsOf } from './descriptors.js'
import { passkeyName } from './name.js'
import { type RelyingParty, RP_NAME } from './relying-party.js'
import { insertPasskey, listPasskeys } from './repo.js'
import { userHandle } from './user-handle.js'

export interface Person {
  id: number
  email: string
  name: string
}

/**
 * The options for `navigator.credentials.create()` (CONTRACT 9): a discoverable
 * credential (resident key required, so "Sign in with a passkey" needs no email),
 * user verification required, no attestation, the person's passkeys excluded so
 * one authenticator is not registered twice.
 */
export async function registrationOptions(
  db: Kysely<Database>,
  rp: RelyingParty,
  person: Person,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await listPasskeys(db, person.id)
  return generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: rp.rpID,
    userName: person.email,
    userDisplayName: person.name,
    userID: userHandle(person.id),
    attestationType: 'none',
    excludeCredentials: descriptorsOf(existing),
    authenticatorSelection: {
      residentKey: 'required',
      requireResidentKey: true,
      userVerification: 'required',
    },
  })
}

/**
 * Verifies the browser's answer to `registrationOptions` against the challenge
 * this person was given, and keeps the credential under its name; audited
 * `passkey.added` in the person's history and their accounts' logs.
 */
export async function finishRegistration(
  db: Kysely<Database>,
  rp: RelyingParty,
  person: Person,
  input: {
    challenge: StoredChallenge | undefined
    name: string | undefined
    response: RegistrationResponseJSON
  },
  context: AuditContext,
): Promise<number> {
  const name = passkeyName(input.name)
  if (!input.challenge || input.challenge.userId !== person.id) {
    throw new BadRequestError(
      'This passkey request has expired or was already used. Try adding the passkey again.',
    )
  }
  const verification = await verifyRegistrationResponse({
    response: input.response,
    expectedChallenge: input.challenge.challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.rpID,
    requireUserVerification: true,
  }).catch(() => ({ verified: false as const }))
  if (!verification.verified) {
    throw new BadRequestError('The passkey could not be verified. Try adding it again.')
  }
  const { credential, credentialBackedUp } = verification.registrationInfo
  try {
    return await db.transaction().execute(async (trx) => {
      const id = await insertPasskey(
        trx,
        {
          userId: person.id,
          credentialId: credential.id,
          publicKey: isoBase64URL.fromBuffer(credential.publicKey),
          signCount: credential.counter,
          transports: (input.response.response.transports ?? []).join(',').slice(0, 200),
          backedUp: credentialBackedUp,
          name,
        },
        changeTime(context),
      )
      await recordPersonChange(trx, context, {
        userId: person.id,
        action: 'passkey.added',
        details: { passkey_id: id, name },
      })
      return id
    })
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new ConflictError('This passkey is already registered.')
    }
    throw error
  }
}
