import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { fromPrincipal } from '../audit/context.js'
import { personIdOf, principalOf, requirePermission, requirePerson } from '../http/api-scope.js'
import { ApiErrorResponses, IdParams } from '../http/schemas.js'
import { API_TOKEN_ACCESS } from './access.js'
import { apiExpiry } from './expiry.js'
import { listApiTokens } from './repo.js'
import { ApiTokenListResponse, CreatedApiTokenResponse, CreateTokenBody } from './schemas.js'
import { createApiToken, revokeApiToken } from './service.js'
import { apiTokenView } from './view.js'

const tags = ['tokens']

/** /api/v1/tokens (CONTRACT section 6): the account's personal API tokens; admin only. */
export const apiTokenApiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/tokens',
    {
      schema: { tags, response: { 200: ApiTokenListResponse, ...ApiErrorResponses } },
      preHandler: requirePermission(API_TOKEN_ACCESS.read),
    },
    async (request) => {
      const rows = await listApiTokens(app.db, principalOf(request).accountId)
      return { tokens: rows.map(apiTokenView) }
    },
  )

  app.post(
    '/api/v1/tokens',
    {
      schema: {
        tags,
        body: CreateTokenBody,
        response: { 201: CreatedApiTokenResponse, ...ApiErrorResponses },
      },
      preHandler: [requirePerson(), requirePermission(API_TOKEN_ACCESS.create)],
    },
    async (request, reply) => {
      const principal = principalOf(request)
      const created = await createApiToken(
        app.db,
        {
          accountId: principal.accountId,
          userId: personIdOf(principal),
          name: request.body.name,
          permission: request.body.permission,
          expiresAt: apiExpiry(request.body, app.config.now()),
          maxPermission: principal.permission,
        },
        fromPrincipal(request),
      )
      const [listing] = await listApiTokens(app.db, principal.accountId, created.id)
      if (!listing) throw new Error('a token just created is missing')
      return reply
        .code(201)
        .header('Cache-Control', 'no-store')
        .send({ ...apiTokenView(listing), token: created.token })
    },
  )

  app.delete(
    '/api/v1/tokens/:id',
    {
      schema: { tags, params: IdParams, response: { 204: Type.Null(), ...ApiErrorResponses } },
      preHandler: requirePermission(API_TOKEN_ACCESS.delete),
    },
    async (request, reply) => {
      await revokeApiToken(
        app.db,
        { accountId: principalOf(request).accountId, tokenId: request.params.id, now: app.config.now() },
        fromPrincipal(request),
      )
      return reply.code(204).send(null)
    },
  )
}
