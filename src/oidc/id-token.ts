import type { IdentityScope } from '../oauth/scope.js'
import { personClaims, type Subject } from './claims.js'
import type { SigningKeys } from './signing-keys.js'

/**
 * How long an id token is valid. It proves a sign-in to the client that just
 * received it, which checks it at once; it is not a session.
 */
export const ID_TOKEN_LIFETIME_SECONDS = 600

export interface IdTokenInput {
  issuer: string
  clientId: number
  subject: Subject
  scopes: ReadonlySet<IdentityScope>
  nonce: string | null
  authTime: Date
  /** Space-separated RFC 8176 values, as sessions store them. */
  amr: string
  now: Date
}

/** An OpenID Connect id token (Core 1.0 2, CONTRACT 10), ES256 under the current signing key. at_hash is left out: it is optional for the code flow. */
export function signIdToken(keys: SigningKeys, input: IdTokenInput): Promise<string> {
  const iat = Math.floor(input.now.getTime() / 1000)
  return keys.sign({
    iss: input.issuer,
    aud: String(input.clientId),
    iat,
    exp: iat + ID_TOKEN_LIFETIME_SECONDS,
    auth_time: Math.floor(input.authTime.getTime() / 1000),
    ...(input.nonce ? { nonce: input.nonce } : {}),
    amr: input.amr.split(' ').filter((value) => value !== ''),
    ...personClaims(input.subject, input.scopes),
  })
}
