import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { hostname } from 'node:os'
import type { FastifyServerOptions } from 'fastify'
import { stdTimeFunctions } from 'pino'
import type { LogLevel } from './config.js'
import { fromTrustedProxy, type ProxyTrust } from './http/trust-proxy.js'
import { VERSION } from './version.js'

/**
 * A logged URL with the values of secret query parameters replaced. The query is
 * parsed as the server parses it (names percent-decoded, `+` as a space, compared
 * without regard to case), so `?%74oken=`, `?TOKEN=` and a repeated `?code=` are
 * all caught; everything after a `#` is dropped.
 */
export function redactUrl(url: string): string {
  const hash = url.indexOf('#')
  const beforeHash = hash === -1 ? url : url.slice(0, hash)
  const fragment = hash === -1 ? '' : '#[REDACTED]'
  const question = beforeHash.indexOf('?')
  if (question === -1) return beforeHash + fragment
  const query = beforeHash
    .slice(question + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=')
      const name = equals === -1 ? pair : pair.slice(0, equals)
      return SECRET_QUERY_NAMES.has(decodedName(name)) ? `${name}=[REDACTED]` : pair
    })
  return `${beforeHash.slice(0, question + 1)}${query.join('&')}${fragment}`
}

/** A query parameter name as the query parser reads it, lower-cased. */
function decodedName(raw: string): string {
  const name = raw.replaceAll('+', ' ')
  try {
    return decodeURIComponent(name).trim().toLowerCase()
  } catch {
    // A malformed escape: decode what can be decoded, as lenient parsers do.
    return name
      .replace(/%([0-9a-f]{2})/gi, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
      .trim()
      .toLowerCase()
  }
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

// Query parameters that may carry secrets when a client puts them in the URL
// against our advice; their values never reach the log.
const SECRET_QUERY_NAMES: ReadonlySet<string> = new Set([...SECRET_FIELDS, 'code'])

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

/** What a proxy's request id may look like: nginx's hex, UUIDs, trace ids; nothing that could bend a log line. */
const FORWARDED_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/

/**
 * Request ids, echoed as `X-Request-Id` and logged as `reqId`: the proxy's own
 * `X-Request-Id` when the request came straight from a trusted proxy (so one id
 * follows the request through the proxy's log and ours; CONTRACT 12), otherwise
 * a random UUID: a client cannot choose the id its request is logged under.
 */
export function requestIdGenerator(trust: ProxyTrust): (raw: IncomingMessage) => string {
  return (raw) => {
    const forwarded = raw.headers['x-request-id']
    if (
      typeof forwarded === 'string' &&
      FORWARDED_REQUEST_ID.test(forwarded) &&
      fromTrustedProxy(trust, raw)
    ) {
      return forwarded
    }
    return randomUUID()
  }
}

/**
 * JSON lines; secrets in headers and bodies are redacted by configuration. Every
 * line carries an ISO-8601 `time` (CONTRACT 12), `service` and `version` (what log
 * shippers group by), and `worker` (its number) in a worker process.
 */
export function loggerOptions(
  level: LogLevel,
  worker?: number,
): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return {
    level,
    timestamp: stdTimeFunctions.isoTime,
    base: {
      pid: process.pid,
      hostname: hostname(),
      service: 'latchkey',
      version: VERSION,
      ...(worker === undefined ? {} : { worker }),
    },
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
