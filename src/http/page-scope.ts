import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify'
import { twoFactorGate } from '../account-security/gate.js'
import { csrfTokenFor, formProtection } from './csrf.js'
import { named } from './plugin-name.js'
import { sessionLoader } from './session.js'

declare module 'fastify' {
  interface FastifyReply {
    /** Renders a page inside the layout with the viewer and a fresh CSRF token. */
    page(template: string, data?: Record<string, unknown>): FastifyReply
  }
}

/**
 * The scope for server-rendered pages: session loading, CSRF on every
 * state-changing request, and HTML error pages. Feature page routes are
 * registered inside it; the JSON API and OAuth endpoints are not.
 */
export function pageScope(routes: FastifyPluginAsync[]): FastifyPluginAsync {
  return named(async function pages(app: FastifyInstance) {
    app.addHook('onRoute', (route) => {
      route.config = { ...route.config, errorStyle: 'page' }
    })
    await app.register(sessionLoader)
    await app.register(twoFactorGate)
    await app.register(formProtection)
    app.decorateReply(
      'page',
      function (this: FastifyReply, template: string, data: Record<string, unknown> = {}) {
        const csrfToken = csrfTokenFor(this)
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
    for (const routesPlugin of routes) await app.register(named(routesPlugin))
  })
}
