import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Registry } from 'prom-client'
import { Type } from 'typebox'
import { metricsFromPrimary } from '../cluster/metrics.js'
import { addressMatcher } from '../config-ops.js'
import { AppError, AuthenticationError, ForbiddenError } from '../errors.js'
import { NOT_SHED } from '../http/load-shedding.js'
import { ErrorResponse } from '../http/schemas.js'
import { constantTimeEqual } from '../security/secrets.js'
import { processMetrics } from './process-metrics.js'

/** A scrape waits this long for the primary to gather every worker's metrics. */
const CLUSTER_TIMEOUT_MS = 3000

export interface MetricsRouteOptions {
  /** In a worker process (WORKERS > 1): answer with every worker's metrics, gathered by the primary. */
  fromPrimary?: boolean
}

const DENIED =
  'Metrics are served to allowed addresses (METRICS_ALLOW, loopback by default) or with the METRICS_TOKEN bearer secret.'

function bearer(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')
  return match?.[1]
}

/**
 * `GET /metrics` in Prometheus text format. An auth server's metrics reveal
 * traffic and login patterns, so they are served only to allowed client
 * addresses (loopback unless METRICS_ALLOW says otherwise; `request.ip` honours
 * TRUST_PROXY) or to a scraper presenting METRICS_TOKEN.
 */
export const metricsRoutes: FastifyPluginAsyncTypebox<MetricsRouteOptions> = async (app, options) => {
  const allowed = addressMatcher(app.config.metricsAllow)
  const token = app.config.metricsToken

  async function guard(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const presented = bearer(request)
    if (token && presented !== undefined) {
      if (constantTimeEqual(presented, token)) return
      throw new AuthenticationError('The metrics token is not valid.', true)
    }
    if (allowed(request.ip)) return
    if (token) throw new AuthenticationError(DENIED)
    throw new ForbiddenError(DENIED)
  }

  async function clusterText(): Promise<string> {
    try {
      return await metricsFromPrimary(CLUSTER_TIMEOUT_MS)
    } catch (error) {
      app.log.warn({ err: error }, "could not gather the workers' metrics")
      throw new AppError(503, 'Service Unavailable', "The workers' metrics could not be gathered; try again.")
    }
  }

  app.get(
    '/metrics',
    {
      config: { errorStyle: 'json', ...NOT_SHED },
      preHandler: guard,
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics (text exposition format)',
        description: DENIED,
        response: {
          200: {
            description: 'Prometheus text format',
            content: { 'text/plain': { schema: Type.String() } },
          },
          401: ErrorResponse,
          403: ErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (_request, reply) => {
      const merged = Registry.merge([app.metrics.registry, processMetrics()])
      const text = options.fromPrimary ? await clusterText() : await merged.metrics()
      return reply.header('Content-Type', merged.contentType).header('Cache-Control', 'no-store').send(text)
    },
  )
}
