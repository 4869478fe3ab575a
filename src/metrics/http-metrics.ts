import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/** The route label for requests that matched no route (kept apart so raw URLs never become labels). */
export const UNMATCHED_ROUTE = '(unmatched)'

/**
 * Counts and times every request by its route pattern (`/api/v1/applications/:id`,
 * never the raw URL, which would explode the label set) and status code.
 */
export const httpMetrics = fp(async (app: FastifyInstance) => {
  // Callback style, not async: an async hook costs a promise and a microtask on every request.
  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE),
      status: String(reply.statusCode),
    }
    app.metrics.httpRequests.inc(labels)
    app.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000)
    done()
  })
})
