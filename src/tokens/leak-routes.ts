import rateLimit from '@fastify/rate-limit'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifySchema } from 'fastify'
import { Type } from 'typebox'
import { Compile } from 'typebox/compile'
import { fromLeakReport, originOf } from '../audit/context.js'
import { BadRequestError, TooManyRequestsError } from '../errors.js'
import { ErrorResponse } from '../http/schemas.js'
import { MAX_LEAK_REPORT_ITEMS, reportLeakedTokens } from './leak-report.js'

// Other fields (GitHub sends `type`) are allowed and ignored.
const LeakReportBody = Type.Array(
  Type.Object({
    token: Type.String({ maxLength: 1000 }),
    url: Type.String({ maxLength: 2048 }),
    source: Type.String({ maxLength: 200 }),
  }),
  { maxItems: MAX_LEAK_REPORT_ITEMS },
)

const LeakVerdicts = Type.Array(
  Type.Object({
    token_hash: Type.String({ description: 'hex SHA-256 of the token as sent' }),
    label: Type.Union([Type.Literal('true_positive'), Type.Literal('false_positive')]),
  }),
)

/**
 * The body is checked strictly, without the type coercion of Fastify's default
 * validator: a number, `null` or a one-element array in place of a string is a
 * 400 here, not a string that was never sent.
 */
function strictValidator({ schema }: { schema: FastifySchema }) {
  const compiled = Compile(schema as Parameters<typeof Compile>[0])
  return (data: unknown) => {
    if (compiled.Check(data)) return { value: data }
    const [first] = compiled.Errors(data)
    const where = first?.instancePath ? `body${first.instancePath.replaceAll('/', '.')}` : 'body'
    return {
      error: new BadRequestError(
        `${where} ${first?.message ?? 'is invalid'}: send a JSON array of at most ${MAX_LEAK_REPORT_ITEMS} {"token","url","source"} strings.`,
      ),
    }
  }
}

/**
 * `POST /leaked-tokens` (CONTRACT 11): anyone who finds a Latchkey token (a
 * secret scanner such as GitHub's, or `latchkey tokens scan --report`) reports
 * it here without authentication; holding the token is the only authority
 * needed to have it revoked. Outside the page scope (no session, no CSRF: it is
 * an API for machines) and throttled per client IP and instance.
 */
export const leakReportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new TooManyRequestsError(
        `Too many leaked-token reports from your address; try again in ${context.after}.`,
        Math.max(1, Math.ceil(context.ttl / 1000)),
      ),
  })
  app.post(
    '/leaked-tokens',
    {
      config: {
        errorStyle: 'json',
        rateLimit: {
          max: app.config.leakedTokensRateLimitPerMinute,
          timeWindow: 60_000,
          keyGenerator: (request) => request.ip,
        },
      },
      validatorCompiler: strictValidator,
      schema: {
        summary: 'Report leaked tokens: active ones are revoked and their owners mailed',
        tags: ['verify'],
        body: LeakReportBody,
        response: { 200: LeakVerdicts, 400: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { verdicts, notices } = await reportLeakedTokens(
        app.db,
        request.body,
        fromLeakReport(originOf(request)),
        { now: app.config.now(), publicUrl: app.config.publicUrl },
      )
      // After the commit, and without waiting: the reporter needs the labels, not the mail.
      for (const notice of notices) void app.mailer.send(notice.to, notice.content)
      request.log.info({ reported: verdicts.length, revoked: notices.length }, 'leaked tokens reported')
      return reply.header('cache-control', 'no-store').send(verdicts)
    },
  )
}
