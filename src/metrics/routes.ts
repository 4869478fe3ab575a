import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Registry } from 'prom-client'
import { Type } from 'typebox'
import { addressMatcher } from '../config-ops.js'
import { AuthenticationError, ForbiddenError } from '../errors.js'
import { ErrorResponse } from '../http/schemas.js'
import { constantTimeEqual } from '../security/secrets.js'
import { processMetrics } from './process-metrics.js'

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
export const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
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

  app.get(
    '/metrics',
    {
      config: { errorStyle: 'json' },
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
        },
      },
    },
    async (_request, reply) => {
      const merged = Registry.merge([app.metrics.registry, processMetrics()])
      return reply
        .header('Content-Type', merged.contentType)
        .header('Cache-Control', 'no-store')
        .send(await merged.metrics())
    },
  )
}
