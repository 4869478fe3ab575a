import { Type } from 'typebox'

const param = (maxLength = 2000) => Type.Optional(Type.String({ maxLength }))

/** RFC 6749 4.1.3 token request; parameters are checked by the handler so each failure gets its RFC error code. */
export const TokenRequest = Type.Object({
  grant_type: param(100),
  code: param(200),
  redirect_uri: param(),
  code_verifier: param(200),
  client_id: param(20),
  client_secret: param(200),
  device_code: param(200),
  refresh_token: param(200),
  scope: param(500),
})

export const TokenResponseBody = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  // The permission, then any OpenID Connect scopes (CONTRACT 10: formatScope).
  scope: Type.String(),
  account_id: Type.Integer(),
  id_token: Type.Optional(Type.String()),
  expires_in: Type.Optional(Type.Integer()),
  refresh_token: Type.Optional(Type.String()),
})

/** RFC 7009 2.1 revocation request. */
export const RevokeRequest = Type.Object({
  token: param(200),
  token_type_hint: param(100),
  client_id: param(20),
  client_secret: param(200),
})

/** RFC 8414 2: the fields Latchkey publishes. */
export const ServerMetadata = Type.Object({
  issuer: Type.String(),
  authorization_endpoint: Type.String(),
  token_endpoint: Type.String(),
  revocation_endpoint: Type.String(),
  introspection_endpoint: Type.String(),
  device_authorization_endpoint: Type.String(),
  response_types_supported: Type.Array(Type.String()),
  response_modes_supported: Type.Array(Type.String()),
  grant_types_supported: Type.Array(Type.String()),
  token_endpoint_auth_methods_supported: Type.Array(Type.String()),
  revocation_endpoint_auth_methods_supported: Type.Array(Type.String()),
  code_challenge_methods_supported: Type.Array(Type.String()),
  scopes_supported: Type.Array(Type.String()),
  authorization_response_iss_parameter_supported: Type.Boolean(),
})
