import type { Server } from 'node:http'
import type { FastifyHttpOptions } from 'fastify'
import type { Config } from '../config.js'

/**
 * Timeouts a slow client cannot outlast (issue 11, item 12). Fastify turns Node's
 * whole-request timeout off by default, so a body trickled a byte at a time kept a
 * connection open indefinitely. Node checks these deadlines on a timer
 * (`connectionsCheckingInterval`, 30 s by default); it runs every second here (or
 * faster for sub-second test timeouts), so a deadline is enforced within about a
 * second. An expired request is answered 408 and its connection closed.
 */
export function serverTimeouts(
  config: Config,
): Pick<FastifyHttpOptions<Server>, 'requestTimeout' | 'keepAliveTimeout' | 'http'> {
  return {
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(config.headersTimeoutMs / 4))),
    },
  }
}
