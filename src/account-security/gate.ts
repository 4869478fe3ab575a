import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ForbiddenError } from '../errors.js'
import type { Viewer } from '../http/session.js'

/** Where a member without the second factor the account requires is sent (CONTRACT 9). */
export const ENROL_PATH = '/settings/profile/security?required=1'

export const FACTOR_REQUIRED_NOTICE =
  'An account you belong to requires a second factor. Set one up to go on: an authenticator app or a passkey.'

/**
 * Paths that are not pages of the current account, reachable while a factor is
 * missing: the person's own profile (enrolment is under /settings/profile/security),
 * signing in and out, switching to another account, the consent pages and /device (each
 * account is offered or not on its own, `requireFactorFor`), invitations, password
 * links and the docs. Everything else is an account page and is closed.
 */
const OPEN_PREFIXES = [
  '/settings/profile',
  '/login',
  '/logout',
  '/accounts/switch',
  '/authorize',
  '/oauth/authorize',
  '/device',
  '/invitations/',
  '/password/',
  '/signup',
  '/activate',
  '/setup',
  '/docs',
]

function isOpen(path: string): boolean {
  return OPEN_PREFIXES.some(
    (prefix) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`),
  )
}

/** Whether the viewer must enrol before acting on this account. */
export function factorRequiredOn(viewer: Viewer, accountId: number): boolean {
  return viewer.factorMissing && viewer.accounts.some((a) => a.id === accountId && a.requires_two_factor)
}

/** The consent flow: an account under the policy cannot be chosen by a member without a factor. */
export function requireFactorFor(viewer: Viewer, accountId: number): void {
  if (factorRequiredOn(viewer, accountId)) {
    throw new ForbiddenError(
      'This account requires a second factor. Set one up on your profile’s Security page, then authorize again.',
    )
  }
}

/**
 * The account policy's enforcement for the page scope (registered after the
 * session loader): a member whose current account requires a second factor they
 * do not have is sent to enrol (303) from every page of that account.
 */
export const twoFactorGate = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const viewer = request.viewer
    if (!viewer?.account || !factorRequiredOn(viewer, viewer.account.id)) return
    if (isOpen(request.url.split('?')[0] ?? '')) return
    return reply.redirect(ENROL_PATH, 303)
  })
})
