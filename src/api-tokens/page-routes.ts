import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { type Static, Type } from 'typebox'
import { parseRole, ROLE_DESCRIPTIONS } from '../accounts/roles.js'
import { fromViewer } from '../audit/context.js'
import { displayTime } from '../http/display.js'
import { type PageState, redirectOrShowProblem, selfFormPage } from '../http/form-outcome.js'
import { IdParams, NoticeQuery } from '../http/schemas.js'
import { requireRole, viewerOf } from '../http/session.js'
import { requireStepUp } from '../step-up/require-step-up.js'
import { API_TOKEN_ACCESS, API_TOKENS_ADMIN_ONLY } from './access.js'
import { EXPIRY_DAY_CHOICES, formExpiry } from './expiry.js'
import { listApiTokens } from './repo.js'
import { createApiToken, revokeApiToken } from './service.js'

const NOTICES: Record<string, string> = { revoked: 'The token was revoked; it no longer works.' }

const FormBody = Type.Object({
  name: Type.Optional(Type.String()),
  permission: Type.Optional(Type.String()),
  expires_in_days: Type.Optional(Type.String()),
  expires_on: Type.Optional(Type.String()),
})
type Form = Static<typeof FormBody>

/**
 * The Tokens tab (admin only). A new token is rendered into the answer to the
 * POST that created it and nowhere else; pages are sent with no-store.
 */
export const apiTokenPageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const adminOnly = requireRole(API_TOKEN_ACCESS.read, API_TOKENS_ADMIN_ONLY)

  async function tokensPage(reply: FastifyReply, extra: PageState<Form> & { created?: unknown }) {
    const { account } = viewerOf(reply.request)
    const now = app.config.now().getTime()
    const rows = await listApiTokens(app.db, account.id)
    return reply.page('tokens/index', {
      title: 'API Tokens',
      tokens: rows.map((row) => ({
        ...row,
        created: displayTime(row.createdAt),
        lastUsed: displayTime(row.lastUsedAt) || 'never',
        expires: displayTime(row.expiresAt) || 'never',
        expired: row.expiresAt !== null && row.expiresAt.getTime() <= now,
      })),
      roles: ROLE_DESCRIPTIONS,
      dayChoices: EXPIRY_DAY_CHOICES,
      form: { permission: 'browse', expires_in_days: '30', ...extra.form },
      problem: extra.problem,
      created: extra.created,
      notice: extra.notice,
    })
  }

  const page = selfFormPage<Form>(NOTICES, tokensPage)

  app.get(
    '/developers/tokens',
    { preHandler: adminOnly, schema: { querystring: NoticeQuery } },
    async (request, reply) => page.withNotice(reply, request.query.notice),
  )

  app.post(
    '/developers/tokens',
    {
      preHandler: [adminOnly, requireStepUp({ action: 'create an API token', back: '/developers/tokens' })],
      schema: { body: FormBody },
    },
    async (request, reply) => {
      const { account, user } = viewerOf(request)
      const form = request.body
      return redirectOrShowProblem(
        reply,
        async () => {
          const permission = parseRole(form.permission ?? '', 'permission')
          const created = await createApiToken(
            app.db,
            {
              accountId: account.id,
              userId: user.id,
              name: form.name ?? '',
              permission,
              expiresAt: formExpiry(form, app.config.now()),
              maxPermission: account.role,
            },
            fromViewer(request),
          )
          request.log.info({ tokenId: created.id }, 'api token created')
          return tokensPage(reply, {
            created: { ...created, expires: displayTime(created.expiresAt) || 'never' },
          })
        },
        page.withProblem(form),
      )
    },
  )

  app.post(
    '/developers/tokens/:id/revoke',
    { preHandler: adminOnly, schema: { params: IdParams } },
    async (request, reply) => {
      await revokeApiToken(
        app.db,
        { accountId: viewerOf(request).account.id, tokenId: request.params.id, now: app.config.now() },
        fromViewer(request),
      )
      return reply.redirect('/developers/tokens?notice=revoked', 303)
    },
  )
}
