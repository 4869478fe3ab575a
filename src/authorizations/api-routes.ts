import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { fromPrincipal } from '../audit/context.js'
import { principalOf, requirePermission } from '../http/api-scope.js'
import { ApiErrorResponses } from '../http/schemas.js'
import { AUTHORIZATION_ACCESS } from './access.js'
import { listAuthorizedApps } from './repo.js'
import { revokeAuthorization } from './service.js'
import { AppIdParams, AuthorizedAppListResponse, authorizedAppView } from './view.js'

const tags = ['authorized-apps']

/** /api/v1/authorized-apps (CONTRACT section 6): the Apps page as JSON; admin only. */
export const authorizationApiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/authorized-apps',
    {
      schema: { tags, response: { 200: AuthorizedAppListResponse, ...ApiErrorResponses } },
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
      schema: { tags, params: AppIdParams, response: { 204: Type.Null(), ...ApiErrorResponses } },
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
