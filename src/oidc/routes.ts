import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AuthenticationError } from '../errors.js'
import { OAuthErrorBody } from '../http/schemas.js'
import { headerToken, TOKEN_INACTIVE } from '../validation/header-token.js'
import { identityScopesOf, personClaims } from './claims.js'
import { openIdConfiguration } from './discovery.js'
import { JwksBody, OpenIdConfiguration, UserinfoBody } from './schemas.js'
import { findTokenSubject } from './subject-repo.js'

/**
 * How long clients may cache the JWKS. Short: a key made by `latchkey keys
 * rotate` signs within 60 s (signing-keys.ts), and a client that meets an
 * unknown kid fetches the set again anyway.
 */
const JWKS_MAX_AGE_SECONDS = 60

/** RFC 6750 3.1: the error in the `WWW-Authenticate` challenge and an RFC 6749-style body. */
function bearerError(
  reply: FastifyReply,
  status: 401 | 403,
  error: 'invalid_token' | 'insufficient_scope',
  description: string,
): FastifyReply {
  const scope = error === 'insufficient_scope' ? ', scope="openid"' : ''
  return reply
    .code(status)
    .header('WWW-Authenticate', `Bearer realm="latchkey", error="${error}"${scope}`)
    .header('Cache-Control', 'no-store')
    .send({ error, error_description: description })
}

/**
 * OpenID Connect (CONTRACT 10): discovery, the JWKS and userinfo. Machine
 * endpoints: outside the page scope, errors in the OAuth style.
 */
export const oidcRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, errorStyle: 'oauth' }
  })

  const configuration = openIdConfiguration(app.config.publicUrl)
  app.get(
    '/.well-known/openid-configuration',
    { config: { cors: 'public' }, schema: { response: { 200: OpenIdConfiguration } } },
    async (_request, reply) => reply.header('Cache-Control', 'public, max-age=300').send(configuration),
  )

  app.get(
    '/oauth/jwks',
    { config: { cors: 'public' }, schema: { response: { 200: JwksBody } } },
    async (_request, reply) =>
      reply
        .header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
        .send({ keys: await app.signingKeys.publicKeys() }),
  )

  // The access token comes in a header, as /verify reads it; one in the query or body is refused (CONTRACT 2).
  const userinfo = async (request: FastifyRequest, reply: FastifyReply) => {
    let token: string
    try {
      token = headerToken(request)
    } catch (error) {
      if (error instanceof AuthenticationError) return bearerError(reply, 401, 'invalid_token', error.message)
      throw error
    }
    const result = await app.tokens.validate(token)
    if (!result.active) return bearerError(reply, 401, 'invalid_token', TOKEN_INACTIVE)
    const subject = await findTokenSubject(app.db, result.principal.tokenId)
    const scopes = identityScopesOf(subject?.scopes ?? '')
    // A client-credentials token acts as no person, so it has no claims to give (CONTRACT 10).
    if (!subject || subject.user_id === null || !scopes.has('openid')) {
      return bearerError(reply, 403, 'insufficient_scope', 'The token was not granted the openid scope.')
    }
    const claims = personClaims(
      { userId: subject.user_id, name: subject.name, email: subject.email, accountId: subject.account_id },
      scopes,
    )
    return reply.header('Cache-Control', 'no-store').send(claims)
  }
  const userinfoSchema = { response: { 200: UserinfoBody, 401: OAuthErrorBody, 403: OAuthErrorBody } }
  const userinfoConfig = { cors: 'bearer' as const }
  app.get('/oauth/userinfo', { config: userinfoConfig, schema: userinfoSchema }, userinfo)
  app.post('/oauth/userinfo', { config: userinfoConfig, schema: userinfoSchema }, userinfo)
}
