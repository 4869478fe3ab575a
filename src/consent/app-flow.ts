import { fromViewer } from '../audit/context.js'
import { authorizeApplication } from '../authorizations/service.js'
import type { CompleteFlow } from './decision.js'
import { redirectBase, redirectWithSecret, withParams } from './redirects.js'

/**
 * The end of the application flow (CONTRACT 4a.4). Allow: record the
 * authorization, issue a token, and hand it over by a 303 to the registered
 * redirect URL or on a page shown once. Deny: `error=access_denied` or a page.
 * The redirect target is always the URL registered now, never one from the request,
 * and it is worked out before the token is issued (redirectBase). With several
 * registered URLs this flow uses the first (CONTRACT 10).
 */
export const completeAppFlow: CompleteFlow = async ({ app, request, reply, viewer, consent }) => {
  const { application, ticket } = consent
  const target = redirectBase(application.redirect_urls[0] ?? '')
  if (consent.decision === 'deny') {
    request.log.info({ appId: application.id }, 'authorization denied')
    if (target)
      return redirectWithSecret(reply, withParams(target, { error: 'access_denied', state: ticket.state }))
    return reply.page('authorize-denied', { title: 'Access denied', application })
  }
  const grant = await authorizeApplication(
    app.db,
    { application, accountId: consent.accountId, userId: viewer.user.id, permission: ticket.permission },
    fromViewer(request),
  )
  request.log.info({ appId: application.id, accountId: grant.accountId }, 'application authorized')
  if (target) {
    return redirectWithSecret(
      reply,
      withParams(target, { token: grant.token, account_id: grant.accountId, state: ticket.state }),
    )
  }
  const account = viewer.accounts.find((a) => a.id === grant.accountId)
  return reply.page('authorize-token', {
    title: `${application.name} is authorized`,
    application,
    token: grant.token,
    accountId: grant.accountId,
    accountName: account?.name ?? '',
    permission: grant.permission,
  })
}
