import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError, NotFoundError } from '../errors.js'
import type { Viewer } from '../http/session.js'
import { type RelyingParty, relyingParty } from './relying-party.js'

/**
 * The JSON steps of the WebAuthn ceremonies live in the page scope (session and
 * CSRF, sent by passkeys.js in the `x-csrf-token` header) but answer errors as
 * JSON, for the script to show; they are not part of the documented API.
 */
export function answerErrorsAsJson(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, errorStyle: 'json' }
    route.schema = { ...route.schema, hide: true }
  })
}

/** The relying party, or a 404 saying why passkeys are not offered (CONTRACT 9). */
export function requireRelyingParty(app: FastifyInstance): RelyingParty {
  const rp = relyingParty(app.config.publicUrl)
  if (!rp) {
    throw new NotFoundError(
      'Passkeys need PUBLIC_URL with a host name (browsers refuse an IP address); localhost serves for development.',
    )
  }
  return rp
}

/** The signed-in person of a JSON step; anonymous gets 401 (no redirect to follow). */
export function signedInViewer(request: FastifyRequest): Viewer {
  if (!request.viewer) throw new AppError(401, 'Authentication Failed', 'Sign in first.')
  return request.viewer
}
