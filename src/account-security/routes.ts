import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { fromViewer } from '../audit/context.js'
import { redirectOrShowProblem, selfFormPage } from '../http/form-outcome.js'
import { NoticeQuery } from '../http/schemas.js'
import { requireRole, viewerOf } from '../http/session.js'
import { hasSecondFactor } from '../two-factor/has-factor.js'
import { ACCOUNT_SECURITY_ACCESS, ACCOUNT_SECURITY_ADMIN_ONLY } from './access.js'
import { twoFactorPolicy } from './repo.js'
import { changeTwoFactorPolicy } from './service.js'

const PATH = '/settings/accounts/security'

// An unchecked checkbox sends nothing: the field's absence is "off".
const PolicyForm = Type.Object({ require_two_factor: Type.Optional(Type.String({ maxLength: 10 })) })

const NOTICES: Record<string, string> = {
  saved: 'The security policy was saved.',
}

/** Settings › Accounts › Security (admin only): the second-factor policy of CONTRACT 9. */
export const accountSecurityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const adminOnly = requireRole(ACCOUNT_SECURITY_ACCESS.read, ACCOUNT_SECURITY_ADMIN_ONLY)

  const page = selfFormPage<boolean>(NOTICES, async (reply, state) => {
    const { account, user } = viewerOf(reply.request)
    const [policy, hasFactor] = await Promise.all([
      twoFactorPolicy(app.db, account.id),
      hasSecondFactor(app.db, user.id),
    ])
    return reply.page('settings/security', {
      title: 'Security',
      account,
      required: state.form ?? policy.own,
      inheritedFrom: policy.inheritedFrom,
      hasFactor,
      problem: state.problem,
      notice: state.notice,
    })
  })

  app.get(PATH, { preHandler: adminOnly, schema: { querystring: NoticeQuery } }, (request, reply) =>
    page.withNotice(reply, request.query.notice),
  )

  app.post(PATH, { preHandler: adminOnly, schema: { body: PolicyForm } }, (request, reply) => {
    const { account } = viewerOf(request)
    const required = Boolean(request.body?.require_two_factor)
    return redirectOrShowProblem(
      reply,
      async () => {
        await changeTwoFactorPolicy(app.db, { accountId: account.id, required }, fromViewer(request))
        return `${PATH}?notice=saved`
      },
      page.withProblem(required),
    )
  })
}
