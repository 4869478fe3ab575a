import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/** The route label for requests that matched no route (kept apart so raw URLs never become labels). */
export const UNMATCHED_ROUTE = '(unmatched)'

type HttpLabels = { method: string; route: string; status: string }

/**
 * Counts and times every request by its route pattern (`/api/v1/applications/:id`,
 * never the raw URL, which would explode the label set) and status code. One
 * label object per method, route and status, built at first use (their number is
 * bounded by the routes): the request counter is a tally keyed by that object
 * (metrics/tally.ts), which spares prom-client's hashing of the labels once a request.
 */
export const httpMetrics = fp(async (app: FastifyInstance) => {
  const labelObjects = new Map<string, HttpLabels>()
  // Callback style, not async: an async hook costs a promise and a microtask on every request.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE)
    const key = `${request.method} ${reply.statusCode} ${route}`
    let labels = labelObjects.get(key)
    if (labels === undefined) {
      labels = Object.freeze({ method: request.method, route, status: String(reply.statusCode) })
      labelObjects.set(key, labels)
    }
    app.metrics.httpTally.inc(labels)
    app.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000)
    done()
  })
})
