import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { findApplication } from '../applications/repo.js'
import { BadRequestError, NotFoundError } from '../errors.js'
import { loginRedirect } from '../http/session.js'
import { completeAppFlow } from './app-flow.js'
import { completeCodeFlow } from './code-flow.js'
import { renderConsent } from './consent.js'
import { ConsentBody, STALE, verifyConsent } from './decision.js'
import { consentPageRateLimit, registerConsentPageThrottle } from './page-rate-limit.js'
import { MAX_STATE_LENGTH, param } from './params.js'

/** The application flow (CONTRACT 4a) and the consent POST that both flows share. */
export const authorizeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await registerConsentPageThrottle(app)
  app.get('/authorize', { config: consentPageRateLimit(app.config) }, async (request, reply) => {
    const appId = param(request.query, 'app')
    const application =
      typeof appId === 'string' && /^\d{1,10}$/.test(appId)
        ? await findApplication(app.db, Number(appId))
        : undefined
    if (!application) {
      throw new NotFoundError('There is no such application. It may have been deleted; ask its developer.')
    }
    const state = param(request.query, 'state') ?? ''
    if (typeof state !== 'string' || state.length > MAX_STATE_LENGTH) {
      throw new BadRequestError(`state must be sent once and be at most ${MAX_STATE_LENGTH} characters`)
    }
    if (!request.viewer) return reply.redirect(loginRedirect(request), 302)
    return renderConsent(reply, app.config, request.viewer, {
      flow: 'app',
      application,
      state,
      redirectUri: '',
      codeChallenge: '',
      permission: application.permission,
    })
  })

  app.post('/authorize', { schema: { body: ConsentBody } }, async (request, reply) => {
    const viewer = request.viewer
    if (!viewer) return reply.redirect('/login', 303)
    const consent = await verifyConsent(app.db, app.config, viewer, request.body ?? {})
    // A device consent is answered on /device (device/page-routes.ts), never here.
    if (consent.ticket.flow === 'device') throw new BadRequestError(STALE)
    const complete = consent.ticket.flow === 'app' ? completeAppFlow : completeCodeFlow
    return complete({ app, request, reply, viewer, consent })
  })
}
