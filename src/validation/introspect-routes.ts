import rateLimit from '@fastify/rate-limit'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { type Static, Type } from 'typebox'
import { InvalidClient, TooManyRequestsError } from '../errors.js'
import { type AnswerBodies, AnswerSchema, INACTIVE_BODY, JSON_CONTENT_TYPE } from './answer.js'
import { type Caller, CallerAuthenticator } from './callers.js'
import { HOT_ROUTE } from './hot-route.js'

/** Failed caller authentications allowed per client IP and window before answers turn to 429. */
export const CALLER_FAILURES_PER_WINDOW = 10
const WINDOW_MS = 60_000

const IntrospectionBody = Type.Object({
  token: Type.String({ maxLength: 4096 }),
  token_type_hint: Type.Optional(Type.String({ maxLength: 100 })),
})

declare module 'fastify' {
  interface FastifyRequest {
    introspectionCaller: Caller | null
  }
}

/**
 * POST /oauth/introspect — RFC 7662 (CONTRACT 5b). The caller authenticates with
 * HTTP Basic as a service or as an application; an application sees only its own
 * tokens. Unknown, revoked, expired, malformed and foreign tokens all take the
 * one path to `{"active":false}`. Failed caller authentication is 401
 * `invalid_client` (RFC 7662 section 2.3 points to RFC 6749 section 5.2), and after
 * CALLER_FAILURES_PER_WINDOW failures from one IP within a minute, 429 (section 4).
 * Only failures are throttled: a caller with valid credentials is never locked
 * out by a noisy neighbour behind the same address, and its 256-bit secret
 * cannot be guessed anyway.
 */
export const introspectionRoutes: FastifyPluginAsyncTypebox<{ answers: AnswerBodies }> = async (
  app,
  { answers },
) => {
  await app.register(rateLimit, { global: false })
  const countFailure = app.createRateLimit({
    max: CALLER_FAILURES_PER_WINDOW,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => `introspect-caller-failure:${request.ip}`,
  })
  const callers = new CallerAuthenticator(app.db, app.invalidations, (result) =>
    app.metrics.cacheLookups.inc({ cache: 'caller', result }),
  )
  app.decorateRequest('introspectionCaller', null)

  async function authenticateCaller(request: FastifyRequest): Promise<void> {
    const caller = await callers.authenticate(request.headers.authorization)
    if (caller) {
      request.introspectionCaller = caller
      return
    }
    const limit = await countFailure(request)
    if (!limit.isAllowed && limit.isExceeded) {
      throw new TooManyRequestsError(
        'Too many failed client authentications from this address; try again later.',
        limit.ttlInSeconds,
      )
    }
    throw new InvalidClient(
      'Client authentication failed: send HTTP Basic credentials of a service (id and lks_ secret) or of an application (client id and lkc_ secret).',
    )
  }

  // Typed by hand because the answer is ready JSON text (AnswerBodies); the response schema only documents it.
  app.post<{ Body: Static<typeof IntrospectionBody>; Reply: string }>(
    '/oauth/introspect',
    {
      ...HOT_ROUTE,
      config: { errorStyle: 'oauth', requestLogging: false },
      preValidation: authenticateCaller,
      schema: {
        body: IntrospectionBody,
        response: { 200: AnswerSchema },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store').header('content-type', JSON_CONTENT_TYPE)
      const caller = request.introspectionCaller
      const result = await app.tokens.validate(request.body.token)
      const visible =
        result.active && caller && (caller.kind === 'service' || result.principal.appId === caller.id)
      return visible ? answers.of(result.principal) : INACTIVE_BODY
    },
  )
}
