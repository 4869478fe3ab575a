import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AppError } from '../errors.js'
import { loginRedirect } from '../http/session.js'
import { checkAuthorizeRequest } from './authorize-request.js'
import { renderConsent } from './consent.js'
import { consentPageRateLimit, registerConsentPageThrottle } from './page-rate-limit.js'
import { withParams } from './redirects.js'

/**
 * GET /oauth/authorize (CONTRACT 4b): the same login and consent page as the
 * application flow; the consent form posts to /authorize like the other flow.
 */
export const oauthAuthorizeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await registerConsentPageThrottle(app)
  app.get('/oauth/authorize', { config: consentPageRateLimit(app.config) }, async (request, reply) => {
    const check = await checkAuthorizeRequest(app.db, request.query)
    if (check.kind === 'page') throw new AppError(400, 'Invalid authorization request', check.message)
    if (check.kind === 'redirect') {
      // RFC 6749 4.1.2.1 error response; RFC 9207 `iss` on errors too.
      const location = withParams(check.target, {
        error: check.error,
        error_description: check.description,
        state: check.state,
        iss: app.config.publicUrl,
      })
      // CONTRACT 4b, RFC 9700 4.11.2: anyone can register an application, so
      // redirecting an unsigned visitor on an error would make Latchkey's origin
      // an open redirector. Before sign-in the person is told where the link
      // leads and decides; once signed in, the error goes back as RFC 6749 says.
      if (!request.viewer) {
        return reply.code(400).page('authorize-error', {
          title: 'Invalid authorization request',
          applicationName: check.application.name,
          destination: check.target,
          error: check.error,
          description: check.description,
          location,
        })
      }
      return reply.header('Cache-Control', 'no-store').redirect(location, 302)
    }
    if (!request.viewer) return reply.redirect(loginRedirect(request), 302)
    return renderConsent(reply, app.config, request.viewer, check.consent)
  })
}
