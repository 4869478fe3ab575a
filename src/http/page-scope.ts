import csrf from '@fastify/csrf-protection'
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { twoFactorGate } from '../account-security/gate.js'
import { sessionLoader } from './session.js'

declare module 'fastify' {
  interface FastifyReply {
    /** Renders a page inside the layout with the viewer and a fresh CSRF token. */
    page(template: string, data?: Record<string, unknown>): FastifyReply
  }
}

// CSRF tokens are bound to the session they were issued in (HMAC over the
// session id hash), so a token lifted from another session is worthless.
function csrfUserInfo(request: FastifyRequest): string {
  return request.viewer?.sessionIdHash ?? 'anonymous'
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * The scope for server-rendered pages: session loading, CSRF on every
 * state-changing request, and HTML error pages. Feature page routes are
 * registered inside it; the JSON API and OAuth endpoints are not.
 */
export function pageScope(routes: FastifyPluginAsync[]): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.addHook('onRoute', (route) => {
      route.config = { ...route.config, errorStyle: 'page' }
    })
    await app.register(sessionLoader)
    await app.register(twoFactorGate)
    await app.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: 'lk_csrf',
      cookieOpts: {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: app.config.publicUrl.startsWith('https:'),
        signed: true,
      },
      getUserInfo: csrfUserInfo,
      csrfOpts: { hmacKey: app.config.sessionSecret },
    })
    app.addHook('preHandler', (request, reply, done) => {
      if (!UNSAFE_METHODS.has(request.method)) return done()
      app.csrfProtection(request, reply, done)
    })
    app.decorateReply(
      'page',
      function (this: FastifyReply, template: string, data: Record<string, unknown> = {}) {
        const csrfToken = this.generateCsrf({ userInfo: csrfUserInfo(this.request) })
        return this.header('Cache-Control', 'no-store').view(template, {
          title: 'Latchkey',
          ...data,
          viewer: this.request.viewer,
          csrfToken,
          path: this.request.url.split('?')[0],
          publicUrl: app.config.publicUrl,
          // The sign-in page links to /signup only where it exists (SIGNUP=open).
          signupOpen: app.config.signup === 'open',
        })
      },
    )
    for (const routesPlugin of routes) await app.register(routesPlugin)
  }
}
