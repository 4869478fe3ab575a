import rateLimit from '@fastify/rate-limit'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { fromClient, originOf } from '../audit/context.js'
import { deviceAuthorizationEndpoint } from '../device/authorization-endpoint.js'
import { InvalidRequest, SlowDown, UnsupportedGrantType } from '../errors.js'
import { named } from '../http/plugin-name.js'
import { OAuthErrorBody } from '../http/schemas.js'
import { parseBasicCredentials } from '../security/basic-credentials.js'
import { authenticateClient } from './client-auth.js'
import { GRANTS, SUPPORTED_GRANT_TYPES } from './grants.js'
import { metadataRoutes } from './metadata.js'
import { revokeClientToken } from './revoke-service.js'
import { RevokeRequest, TokenRequest, TokenResponseBody } from './schemas.js'

/** Requests per minute to /oauth/token and to /oauth/revoke, per client IP and client_id. */
export const OAUTH_RATE_LIMIT = 120

// Per IP and client, so one busy client cannot starve another behind the same NAT;
// client secrets carry 256 bits, so the limit is about load, not about guessing odds.
function rateLimitKey(request: FastifyRequest): string {
  const body = request.body as { client_id?: unknown } | undefined
  const clientId =
    parseBasicCredentials(request.headers.authorization)?.username ?? String(body?.client_id ?? '')
  return `${request.ip}|${clientId.slice(0, 20)}`
}

const limited = {
  max: OAUTH_RATE_LIMIT,
  timeWindow: 60_000,
  hook: 'preHandler' as const,
  keyGenerator: rateLimitKey,
}

/**
 * The OAuth endpoints that machines call: token (RFC 6749 4.1.3), revocation
 * (RFC 7009) and metadata (RFC 8414). Errors are RFC 6749 5.2 bodies.
 */
export const oauthEndpoints: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, errorStyle: 'oauth' }
  })
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new SlowDown(`Too many requests; retry in ${context.after}.`),
  })
  await app.register(named(metadataRoutes))
  await app.register(named(deviceAuthorizationEndpoint), { rateLimit: limited })

  app.post(
    '/oauth/token',
    {
      config: { rateLimit: limited, cors: 'client' },
      schema: {
        body: TokenRequest,
        response: { 200: TokenResponseBody, 400: OAuthErrorBody, 401: OAuthErrorBody },
      },
    },
    async (request, reply) => {
      const body = request.body
      if (body.grant_type === undefined) throw new InvalidRequest('grant_type is required')
      const grant = Object.hasOwn(GRANTS, body.grant_type) ? GRANTS[body.grant_type] : undefined
      if (!grant) {
        throw new UnsupportedGrantType(`Supported grant types: ${SUPPORTED_GRANT_TYPES.join(', ')}.`)
      }
      const client = await authenticateClient(app.db, request, {
        allowPublic: grant.allowsPublicClient(body),
      })
      const answer = await grant.exchange({ app, body, client, origin: originOf(request) })
      request.log.info(
        { appId: client.application.id, accountId: answer.account_id, grantType: body.grant_type },
        'token issued',
      )
      return reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(answer)
    },
  )

  app.post(
    '/oauth/revoke',
    {
      config: { rateLimit: limited, cors: 'client' },
      // No response schema: RFC 7009 2.2 answers 200 with an empty body.
      schema: { body: RevokeRequest },
    },
    async (request, reply) => {
      // A public client may revoke the refresh tokens issued to it by client_id alone (RFC 7009 2.1);
      // revokeClientToken asks for the secret for everything else.
      const client = await authenticateClient(app.db, request, { allowPublic: true })
      const { application } = client
      if (!request.body.token) throw new InvalidRequest('token is required')
      const revoked = await revokeClientToken(
        app.db,
        { client, token: request.body.token, now: app.config.now() },
        fromClient(originOf(request), application),
      )
      if (revoked) request.log.info({ appId: application.id }, 'token revoked by its application')
      return reply.code(200).header('Cache-Control', 'no-store').send()
    },
  )
}
