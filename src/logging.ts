import { randomUUID } from 'node:crypto'
import type { FastifyServerOptions } from 'fastify'
import type { LogLevel } from './config.js'

// Query parameters that may carry secrets when a client puts them in the URL
// against our advice; their values never reach the log.
const SECRET_PARAMS = /([?&](?:token|access_token|code|client_secret|code_verifier|password|secret)=)[^&#]*/gi

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[REDACTED]')
}

/** Headers that carry credentials (CONTRACT section 2: tokens travel in headers). */
const SECRET_HEADERS = ['authorization', 'token', 'cookie', '["set-cookie"]', '["proxy-authorization"]']

/** Fields that hold secrets wherever they appear in a logged object (form bodies, query objects). */
const SECRET_FIELDS = [
  'password',
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
  'code_verifier',
  'secret',
  '_csrf',
]

/**
 * Redaction paths. Fastify logs neither headers nor bodies (the `req` serializer
 * below keeps method, redacted URL and address), so these are the safety net for
 * anything a handler might log. `code` is redacted only inside bodies and query
 * objects: elsewhere `err.code` (ECONNREFUSED, 23505) is what an operator needs.
 */
export const REDACT_PATHS = [
  ...SECRET_HEADERS.flatMap((h) => [`req.headers.${h}`, `res.headers.${h}`, `headers.${h}`]),
  ...SECRET_HEADERS.map((h) => `*.headers.${h}`),
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  ...['body', 'query', 'params'].flatMap((o) => [`${o}.code`, `*.${o}.code`]),
]

/** Request ids: random UUIDs (an incoming header is not trusted), echoed as `X-Request-Id`. */
export function generateRequestId(): string {
  return randomUUID()
}

/** JSON lines; secrets in headers and bodies are redacted by configuration. */
export function loggerOptions(level: LogLevel): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: {
      req(request) {
        return {
          method: request.method,
          url: typeof request.url === 'string' ? redactUrl(request.url) : undefined,
          remoteAddress: request.ip,
        }
      },
    },
  }
}
