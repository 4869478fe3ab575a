import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { FastifyServerFactory } from 'fastify'
import type { Config } from '../config.js'
import { serverTimeouts } from './server-timeouts.js'

/** Answers a request itself and says so, or returns false to leave it to Fastify. */
export type FirstResponder = (request: IncomingMessage, response: ServerResponse) => boolean

/**
 * Fastify's `serverFactory`: the HTTP server Fastify would make itself (the same
 * timeouts, http/server-timeouts.ts), whose requests go to `first` before Fastify.
 * `first` answers what it can without the framework and returns false for the
 * rest, which Fastify then handles as usual; it is how hot `/verify` cache hits
 * are answered (validation/hot-verify.ts). `inject()` calls Fastify's handler
 * directly, so tests of the hot path use real HTTP.
 */
export function serverAnsweringFirst(config: Config, first: FirstResponder): FastifyServerFactory<Server> {
  const timeouts = serverTimeouts(config)
  return (fastify) => {
    const server = createServer(timeouts.http ?? {}, (request, response) => {
      if (!first(request, response)) fastify(request, response)
    })
    // What Fastify sets on a server it makes (fastify/lib/server.js).
    if (timeouts.keepAliveTimeout !== undefined) server.keepAliveTimeout = timeouts.keepAliveTimeout
    if (timeouts.requestTimeout !== undefined) server.requestTimeout = timeouts.requestTimeout
    return server
  }
}
