import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest, preParsingHookHandler } from 'fastify'
import { type Static, Type } from 'typebox'
import { roleAtLeast } from '../accounts/roles.js'
import { AuthenticationError, PermissionError } from '../errors.js'
import { ErrorResponse, RoleSchema } from '../http/schemas.js'
import { type AnswerBodies, AnswerSchema, VERIFY_CACHE_CONTROL, verifyAnswerHeaders } from './answer.js'
import { headerToken, TOKEN_INACTIVE } from './header-token.js'
import { HOT_ROUTE } from './hot-route.js'

const VerifyQuery = Type.Object({
  permission: Type.Optional(RoleSchema),
})

/**
 * The methods a request may carry a body with. `/verify` answers them exactly as
 * GET (CONTRACT 11): Envoy ext_authz forwards the original request's method.
 * OPTIONS included: a gateway asks for an OPTIONS request's authorization like any
 * other, and no CORS applies to `/verify` (browsers never call it).
 */
const BODY_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

// Built once: an error without a fresh stack trace is much cheaper to throw, and
// this one is thrown for every inactive token a gateway forwards.
const INACTIVE = new AuthenticationError(TOKEN_INACTIVE, true)

/**
 * The body is never read. Without a Content-Type, Fastify skips parsing when the
 * body is empty and otherwise hands it to the catch-all parser below, which
 * discards it; so neither a malformed Content-Type (415), malformed JSON (400)
 * nor a body over the limit (413) changes the answer.
 */
const ignoreContentType: preParsingHookHandler = async (request) => {
  delete request.headers['content-type']
}

/**
 * `/verify` — forward-auth (CONTRACT 5a), any method (CONTRACT 11). The token
 * comes from the request's own headers, as the API client sent it, so nginx
 * `auth_request`, Traefik ForwardAuth or Envoy ext_authz can pass the request
 * straight through. Hot path: see HOT_ROUTE; cache hits of a plain GET are
 * answered before Fastify (hot-verify.ts), with the same answer texts (`answers`).
 * GET (and HEAD, which Fastify
 * derives from it) is a route of its own, so the hook that ignores bodies does
 * not run on the usual method.
 */
export const verifyRoutes: FastifyPluginAsyncTypebox<{ answers: AnswerBodies }> = async (
  app,
  { answers },
) => {
  // This plugin is encapsulated: the parser discards bodies of /verify only.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, payload, done) => {
    payload.resume()
    done(null)
  })

  async function verify(
    request: FastifyRequest<{ Querystring: Static<typeof VerifyQuery> }>,
    reply: FastifyReply,
  ): Promise<string> {
    reply.header('cache-control', VERIFY_CACHE_CONTROL)
    const result = await app.tokens.validate(headerToken(request))
    if (!result.active) throw INACTIVE
    const principal = result.principal
    const required = request.query.permission
    if (required && !roleAtLeast(principal.permission, required)) {
      app.metrics.tokenValidations.inc({ outcome: 'insufficient_permission' })
      throw new PermissionError(
        `This needs the ${required} permission; the token has ${principal.permission}.`,
        { required, permission: principal.permission },
      )
    }
    const headers = verifyAnswerHeaders(principal)
    for (let i = 0; i < headers.length; i += 2) reply.header(headers[i] as string, headers[i + 1])
    return answers.of(principal)
  }

  const options = {
    ...HOT_ROUTE,
    config: { errorStyle: 'json', requestLogging: false },
    schema: {
      querystring: VerifyQuery,
      response: { 200: AnswerSchema, 401: ErrorResponse, 403: ErrorResponse },
    },
  } as const
  // Typed by hand because the answer is ready JSON text (AnswerBodies); the response schema only documents it.
  app.get<{ Querystring: Static<typeof VerifyQuery>; Reply: string }>('/verify', options, verify)
  app.route<{ Querystring: Static<typeof VerifyQuery>; Reply: string }>({
    ...options,
    method: [...BODY_METHODS],
    url: '/verify',
    preParsing: ignoreContentType,
    handler: verify,
  })
}
