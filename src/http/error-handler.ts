import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import {
  AppError,
  AuthenticationError,
  OAuthError,
  type OAuthErrorCode,
  OverloadedError,
  PermissionError,
  TooManyRequestsError,
} from '../errors.js'

/** How a route wants its errors: the JSON API shape, RFC 6749's, or an HTML page. */
export type ErrorStyle = 'json' | 'oauth' | 'page'

declare module 'fastify' {
  interface FastifyContextConfig {
    errorStyle?: ErrorStyle
    /** false: no "incoming request" / "request completed" log lines for this route (see app.ts). */
    requestLogging?: boolean
  }
}

interface ErrorBody {
  statusCode: number
  error: string
  message: string
  [key: string]: unknown
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Authentication Failed',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
}

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22: a number out of range, an
 * invalid integer such as "Infinity"…) can only come from a request value that
 * slipped past schema coercion: the client's fault, so a 400, never a 500.
 */
function isInvalidValueForDatabase(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)
}

/** Connection failures of pg and PGlite: the database is down, not a bug. */
function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code ?? ''
  const message = error instanceof Error ? error.message : ''
  return (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      '57P01',
      '57P02',
      '57P03',
      '08006',
      '08001',
      '08003',
    ].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|PGlite.*closed/i.test(message)
  )
}

export function errorBody(error: unknown): ErrorBody {
  if (error instanceof AppError) {
    return { statusCode: error.statusCode, error: error.error, message: error.message, ...error.extra }
  }
  const fastifyError = error as FastifyError
  if (isInvalidValueForDatabase(error)) {
    return {
      statusCode: 400,
      error: 'Bad Request',
      message: 'A value in the request is malformed or out of range.',
    }
  }
  if (isDatabaseUnavailable(error)) {
    return {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The database is not reachable; try again shortly.',
    }
  }
  const status = fastifyError.statusCode
  if (status && status >= 400 && status < 500) {
    return { statusCode: status, error: REASONS[status] ?? 'Bad Request', message: fastifyError.message }
  }
  return { statusCode: 500, error: 'Internal Server Error', message: 'Something went wrong on our side.' }
}

/** The style the route's scope configured (page, API, OAuth); undefined for a request that matched no route. */
function configuredStyle(request: FastifyRequest): ErrorStyle | undefined {
  return request.routeOptions.config?.errorStyle
}

/**
 * A request that matched no route has no scope to ask, so its style is guessed:
 * a browser gets a page, except under /api/ where clients expect the contract's JSON.
 */
function styleOf(request: FastifyRequest): ErrorStyle {
  const configured = configuredStyle(request)
  if (configured) return configured
  const accept = request.headers.accept ?? ''
  return accept.includes('text/html') && !request.url.startsWith('/api/') ? 'page' : 'json'
}

async function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
): Promise<FastifyReply> {
  const style = styleOf(request)
  if (error instanceof OAuthError) {
    if (error.statusCode === 401) reply.header('WWW-Authenticate', 'Basic realm="latchkey"')
    return reply
      .code(error.statusCode)
      .header('Cache-Control', 'no-store')
      .send({ error: error.error, error_description: error.description })
  }
  const body = errorBody(error)
  // A shed request is not logged: its "request completed" line says 503, and logging more adds to the load.
  if (body.statusCode >= 500 && body.statusCode !== 503) request.log.error({ err: error }, 'request failed')
  else if (body.statusCode === 503 && !(error instanceof OverloadedError))
    request.log.warn({ err: error }, 'database unavailable')
  if (error instanceof TooManyRequestsError || error instanceof OverloadedError)
    reply.header('Retry-After', String(error.retryAfterSeconds))
  if (error instanceof AuthenticationError) reply.header('WWW-Authenticate', error.challenge)
  // RFC 6750 3.1: a token with too little permission, on the routes that take a token (/verify,
  // /api/v1); `required` is the permission that was missing (CONTRACT 5a, 6). The body stays.
  if (error instanceof PermissionError && style === 'json' && typeof error.extra.required === 'string')
    reply.header(
      'WWW-Authenticate',
      `Bearer realm="latchkey", error="insufficient_scope", scope="${error.extra.required}"`,
    )
  reply.code(body.statusCode)
  if (style === 'oauth') {
    const oauthError: OAuthErrorCode =
      body.statusCode === 401 ? 'invalid_client' : body.statusCode >= 500 ? 'server_error' : 'invalid_request'
    return reply
      .header('Cache-Control', 'no-store')
      .send({ error: oauthError, error_description: body.message })
  }
  // A server without views (the metrics port) answers browsers in JSON too.
  if (style === 'page' && typeof reply.view === 'function') {
    const data = { title: body.error, status: body.statusCode, message: body.message }
    // Routes of the page scope (the only scope configured 'page') have reply.page: layout, viewer, CSRF token.
    if (configuredStyle(request) === 'page') return reply.page('error', data)
    return reply.view('error', { ...data, viewer: null, csrfToken: '', path: '' })
  }
  return reply.send(body)
}

/** The one place errors become replies. */
export const errorHandling = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error))
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new AppError(404, 'Not Found', `No route for ${request.method} ${request.url.split('?')[0]}`),
    ),
  )
})
