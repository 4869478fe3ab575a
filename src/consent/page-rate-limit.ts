import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { TooManyRequestsError } from '../errors.js'

/**
 * Throttling of the pages that start an authorization (`GET /authorize`,
 * `GET /oauth/authorize`) per client IP: they show an application's name,
 * permission and redirect URL to whoever asks, and application ids are
 * sequential, so without a limit anyone could list every application (issue 11).
 * The count is kept per page and per instance (in memory); the client IP is
 * Fastify's `request.ip`, so `TRUST_PROXY` decides whose `X-Forwarded-For` counts.
 */
export async function registerConsentPageThrottle(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new TooManyRequestsError(
        `Too many authorization requests from your address; try again in ${context.after}.`,
        Math.max(1, Math.ceil(context.ttl / 1000)),
      ),
  })
}

/** The route config that applies the throttle (`AUTHORIZE_RATE_LIMIT` requests a minute per IP). */
export function consentPageRateLimit(config: Config) {
  return {
    rateLimit: {
      max: config.authorizeRateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request: { ip: string }) => request.ip,
    },
  }
}
