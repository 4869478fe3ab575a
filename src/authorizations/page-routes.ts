import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { fromViewer } from '../audit/context.js'
import { displayTime } from '../http/display.js'
import { noticeFor } from '../http/form-outcome.js'
import { NoticeQuery } from '../http/schemas.js'
import { requireRole, viewerOf } from '../http/session.js'
import { AUTHORIZATION_ACCESS, AUTHORIZATIONS_ADMIN_ONLY } from './access.js'
import { listAuthorizedApps } from './repo.js'
import { revokeAuthorization } from './service.js'
import { AppIdParams } from './view.js'

const NOTICES: Record<string, string> = {
  revoked: 'The authorization was revoked; its tokens no longer work.',
}

/** Settings › Accounts › Apps: applications authorized on the current account, each revocable (admin only). */
export const authorizationPageRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
        notice: noticeFor(NOTICES, request.query.notice),
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
