import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { type Static, Type } from 'typebox'
import { roleAtLeast } from '../accounts/roles.js'
import { AuthenticationError, PermissionError } from '../errors.js'
import { ErrorResponse, RoleSchema } from '../http/schemas.js'
import { AnswerBodies, AnswerSchema, JSON_CONTENT_TYPE } from './answer.js'
import { headerToken, TOKEN_INACTIVE } from './header-token.js'
import { HOT_ROUTE } from './hot-route.js'

const VerifyQuery = Type.Object({
  permission: Type.Optional(RoleSchema),
})

// Built once: an error without a fresh stack trace is much cheaper to throw, and
// this one is thrown for every inactive token a gateway forwards.
const INACTIVE = new AuthenticationError(TOKEN_INACTIVE, true)

/**
 * GET /verify — forward-auth (CONTRACT 5a). The token comes from the request's
 * own headers, as the API client sent it, so nginx `auth_request`, Traefik
 * ForwardAuth or Envoy ext_authz can pass the request straight through.
 * Hot path: see HOT_ROUTE.
 */
export const verifyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const answers = new AnswerBodies(app.config.publicUrl)
  // Typed by hand because the answer is ready JSON text (AnswerBodies); the response schema only documents it.
  app.get<{ Querystring: Static<typeof VerifyQuery>; Reply: string }>(
    '/verify',
    {
      ...HOT_ROUTE,
      config: { errorStyle: 'json', requestLogging: false },
      schema: {
        querystring: VerifyQuery,
        response: { 200: AnswerSchema, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request, reply): Promise<string> => {
      reply.header('cache-control', 'no-store')
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
      reply
        // Empty for a client-credentials token: it acts for no person (CONTRACT 10).
        .header('x-auth-user-id', principal.userId ?? '')
        .header('x-auth-account-id', principal.accountId)
        .header('x-auth-permission', principal.permission)
        .header('x-auth-app-id', principal.appId ?? '')
        .header('content-type', JSON_CONTENT_TYPE)
      return answers.of(principal)
    },
  )
}
