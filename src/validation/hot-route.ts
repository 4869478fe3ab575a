import type { FastifyBaseLogger } from 'fastify'

/**
 * Route options for token validation (`/verify`, `/oauth/introspect`), which runs
 * for every API call behind a gateway, so it carries nothing it does not need
 * (each item was a few per cent of the route's CPU in bench/RESULTS.md):
 * - no helmet headers: CSP and friends mean nothing on a JSON answer read by a proxy;
 * - no per-request child logger: pino runs redaction over every child's bindings.
 *   Errors still reach the log, through the app's logger (without a reqId).
 * Per-request "incoming request"/"request completed" lines are switched off with
 * `config.requestLogging: false` (see app.ts); outcomes are counted in the metrics.
 */
export const HOT_ROUTE = {
  helmet: false,
  childLoggerFactory: (logger: FastifyBaseLogger) => logger,
} as const
