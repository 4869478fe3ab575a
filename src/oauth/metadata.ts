import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import { ROLES } from '../db/schema.js'
import { SUPPORTED_GRANT_TYPES } from './grants.js'
import { ServerMetadata } from './schemas.js'
import { IDENTITY_SCOPES } from './scope.js'

/** RFC 8414 authorization server metadata; `issuer` is PUBLIC_URL, the value of `iss` in every authorization response. */
export function serverMetadata(publicUrl: string): Static<typeof ServerMetadata> {
  return {
    issuer: publicUrl,
    authorization_endpoint: `${publicUrl}/oauth/authorize`,
    token_endpoint: `${publicUrl}/oauth/token`,
    revocation_endpoint: `${publicUrl}/oauth/revoke`,
    introspection_endpoint: `${publicUrl}/oauth/introspect`,
    // RFC 8628 4 (CONTRACT 10).
    device_authorization_endpoint: `${publicUrl}/oauth/device_authorization`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: SUPPORTED_GRANT_TYPES,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    // CONTRACT 10: a permission plus the OpenID Connect scopes.
    scopes_supported: [...ROLES, ...IDENTITY_SCOPES],
    authorization_response_iss_parameter_supported: true,
  }
}

export const metadataRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const body = serverMetadata(app.config.publicUrl)
  app.get(
    '/.well-known/oauth-authorization-server',
    { config: { cors: 'public' }, schema: { response: { 200: ServerMetadata } } },
    async (_request, reply) => reply.header('Cache-Control', 'public, max-age=300').send(body),
  )
}
