import { type Static, Type } from 'typebox'
import { ServerMetadata } from '../oauth/schemas.js'

/** OpenID Connect Discovery 1.0 3: RFC 8414's fields plus the OpenID Provider's (CONTRACT 10). */
export const OpenIdConfiguration = Type.Object({
  ...ServerMetadata.properties,
  jwks_uri: Type.String(),
  userinfo_endpoint: Type.String(),
  device_authorization_endpoint: Type.String(),
  id_token_signing_alg_values_supported: Type.Array(Type.String()),
  subject_types_supported: Type.Array(Type.String()),
  claims_supported: Type.Array(Type.String()),
})

/** RFC 7517 5: a JWK Set of public EC keys. */
export const JwksBody = Type.Object({
  keys: Type.Array(
    Type.Object(
      {
        kty: Type.String(),
        crv: Type.String(),
        x: Type.String(),
        y: Type.String(),
        kid: Type.String(),
        alg: Type.String(),
        use: Type.String(),
      },
      { additionalProperties: false },
    ),
  ),
})

/** OpenID Connect Core 5.3.2: the claims of the token's scopes (CONTRACT 10). */
export const UserinfoBody = Type.Object({
  sub: Type.String(),
  account_id: Type.Integer(),
  name: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  email_verified: Type.Optional(Type.Boolean()),
})

export type PublicJwk = Static<typeof JwksBody>['keys'][number]
