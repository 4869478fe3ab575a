import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { fromPrincipal } from '../audit/context.js'
import { principalOf, requirePermission } from '../http/api-scope.js'
import { ErrorResponse } from '../http/schemas.js'
import { AUTHORIZATION_ACCESS } from './access.js'
import { listAuthorizedApps } from './repo.js'
import { revokeAuthorization } from './service.js'
import { AppIdParams, AuthorizedAppListResponse, authorizedAppView } from './view.js'

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse }
const tags = ['authorized-apps']

/** /api/v1/authorized-apps (CONTRACT section 6): the Apps page as JSON; admin only. */
export async function authorizedAppApiRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.get(
    '/api/v1/authorized-apps',
    {
      schema: { tags, response: { 200: AuthorizedAppListResponse, ...errors } },
      preHandler: requirePermission(AUTHORIZATION_ACCESS.read),
    },
    async (request) => {
      const rows = await listAuthorizedApps(app.db, principalOf(request).accountId, app.config.now())
      return { authorized_apps: rows.map(authorizedAppView) }
    },
  )

  app.delete(
    '/api/v1/authorized-apps/:app_id',
    {
      schema: { tags, params: AppIdParams, response: { 204: Type.Null(), ...errors } },
      preHandler: requirePermission(AUTHORIZATION_ACCESS.delete),
    },
    async (request, reply) => {
      await revokeAuthorization(
        app.db,
        { accountId: principalOf(request).accountId, applicationId: request.params.app_id },
        fromPrincipal(request),
      )
      return reply.code(204).send(null)
    },
  )
}
