import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { Type } from 'typebox'
import { ErrorResponse } from '../http/schemas.js'

// The browser's answers of the two ceremonies (@simplewebauthn/browser's JSON),
// bounded so that nothing oversized reaches the verifier.
const b64url = (maxLength: number) => Type.String({ maxLength, pattern: '^[A-Za-z0-9_-]*={0,2}$' })
const CredentialId = b64url(1024)
const Extensions = Type.Optional(Type.Record(Type.String(), Type.Unknown()))
const Attachment = Type.Optional(Type.String({ maxLength: 30 }))

/** A credential's answer: the envelope both ceremonies share around their own `response`. */
function credentialAnswer<T extends ReturnType<typeof Type.Object>>(response: T) {
  return Type.Object({
    id: CredentialId,
    rawId: CredentialId,
    type: Type.Literal('public-key'),
    authenticatorAttachment: Attachment,
    clientExtensionResults: Extensions,
    response,
  })
}

export const RegistrationResponse = Type.Unsafe<RegistrationResponseJSON>(
  credentialAnswer(
    Type.Object({
      clientDataJSON: b64url(4096),
      attestationObject: b64url(65536),
      authenticatorData: Type.Optional(b64url(16384)),
      transports: Type.Optional(Type.Array(Type.String({ maxLength: 30 }), { maxItems: 10 })),
      publicKeyAlgorithm: Type.Optional(Type.Integer()),
      publicKey: Type.Optional(b64url(16384)),
    }),
  ),
)

export const AuthenticationResponse = Type.Unsafe<AuthenticationResponseJSON>(
  credentialAnswer(
    Type.Object({
      clientDataJSON: b64url(4096),
      authenticatorData: b64url(16384),
      signature: b64url(2048),
      userHandle: Type.Optional(b64url(256)),
    }),
  ),
)

/** The options a ceremony's first step answers, passed to @simplewebauthn/browser as they are. */
export const OptionsReply = Type.Object({ options: Type.Unknown() })

/** Where the page goes once a ceremony succeeded. */
export const RedirectReply = Type.Object({ redirect: Type.String() })

/** The JSON steps answer their errors in the contract's shape (CONTRACT 6), for passkeys.js to show. */
export const CeremonyErrors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
}
