import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import type { AuditOrigin } from '../audit/record.js'
import type { AuthenticatedClient } from './client-auth.js'
import { authorizationCodeGrant } from './grants/authorization-code.js'
import { clientCredentialsGrant } from './grants/client-credentials.js'
import { DEVICE_CODE_GRANT_TYPE, deviceCodeGrant } from './grants/device-code.js'
import { refreshTokenGrant } from './grants/refresh-token.js'
import type { TokenRequest } from './schemas.js'

/** The token endpoint's answer (CONTRACT 4b, RFC 6749 5.1). */
export interface TokenResponse {
  access_token: string
  token_type: 'Bearer'
  /** formatScope: the permission, then any OpenID Connect scopes (CONTRACT 10). */
  scope: string
  account_id: number
  /** With the `openid` scope (CONTRACT 10). */
  id_token?: string
  /** Only when the token expires (the application's access_token_lifetime, CONTRACT 10). */
  expires_in?: number
  /** Only with expires_in, and never for client_credentials (RFC 6749 4.4.3). */
  refresh_token?: string
}

export interface GrantRequest {
  app: FastifyInstance
  body: Static<typeof TokenRequest>
  client: AuthenticatedClient
  origin: AuditOrigin
}

/**
 * One grant type of `POST /oauth/token`. The route authenticates the client
 * first (a secret, or the client_id alone where `allowsPublicClient` says so),
 * then hands the request to the grant; a grant throws the OAuthError subclass of
 * its RFC error code. A new grant is one module in `grants/` and one entry below.
 */
export interface Grant {
  allowsPublicClient(body: Static<typeof TokenRequest>): boolean
  exchange(request: GrantRequest): Promise<TokenResponse>
}

export const GRANTS: Readonly<Record<string, Grant>> = {
  authorization_code: authorizationCodeGrant,
  [DEVICE_CODE_GRANT_TYPE]: deviceCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
}

/** `grant_types_supported` of the metadata documents: the table above, in its order. */
export const SUPPORTED_GRANT_TYPES = Object.keys(GRANTS)
