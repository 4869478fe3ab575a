import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { Type } from 'typebox'
import { NOT_SHED } from '../http/load-shedding.js'
import { ErrorResponse } from '../http/schemas.js'

const READY_TIMEOUT_MS = 2000

/** Liveness and readiness for orchestrators and load balancers. */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      config: NOT_SHED,
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  const readySchema = {
    tags: ['operations'],
    summary: 'Readiness: the database answers (503 otherwise)',
    response: {
      200: Type.Object({ status: Type.Literal('ready'), database: Type.String() }),
      503: ErrorResponse,
    },
  }
  app.get('/readyz', { schema: readySchema }, async (request, reply) => {
    try {
      await Promise.race([
        sql`SELECT 1`.execute(app.db),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('timed out')), READY_TIMEOUT_MS).unref(),
        ),
      ])
      return { status: 'ready' as const, database: app.database.kind }
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed')
      return reply
        .code(503)
        .send({ statusCode: 503, error: 'Service Unavailable', message: 'database unreachable' })
    }
  })
}
