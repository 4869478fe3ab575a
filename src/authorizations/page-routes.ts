import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { fromViewer } from '../audit/context.js'
import { displayTime } from '../http/display.js'
import { requireRole, viewerOf } from '../http/session.js'
import { AUTHORIZATION_ACCESS, AUTHORIZATIONS_ADMIN_ONLY } from './access.js'
import { listAuthorizedApps } from './repo.js'
import { revokeAuthorization } from './service.js'
import { AppIdParams } from './view.js'

const NoticeQuery = Type.Object({ notice: Type.Optional(Type.String({ maxLength: 20 })) })

/** Settings › Accounts › Apps: applications authorized on the current account, each revocable (admin only). */
export async function authorizedAppPageRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const adminOnly = requireRole(AUTHORIZATION_ACCESS.read, AUTHORIZATIONS_ADMIN_ONLY)

  app.get(
    '/settings/accounts/apps',
    { preHandler: adminOnly, schema: { querystring: NoticeQuery } },
    async (request, reply) => {
      const rows = await listAuthorizedApps(app.db, viewerOf(request).account.id, app.config.now())
      return reply.page('settings/apps', {
        title: 'Authorized apps',
        apps: rows.map((row) => ({
          ...row,
          authorized: displayTime(row.authorizedAt),
          lastUsed: displayTime(row.lastUsedAt) || 'never',
        })),
        notice:
          request.query.notice === 'revoked'
            ? 'The authorization was revoked; its tokens no longer work.'
            : undefined,
      })
    },
  )

  app.post(
    '/settings/accounts/apps/:app_id/revoke',
    { preHandler: adminOnly, schema: { params: AppIdParams } },
    async (request, reply) => {
      await revokeAuthorization(
        app.db,
        { accountId: viewerOf(request).account.id, applicationId: request.params.app_id },
        fromViewer(request),
      )
      return reply.redirect('/settings/accounts/apps?notice=revoked', 303)
    },
  )
}
