import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { principalOf, requirePermission } from '../http/api-scope.js'
import { ErrorResponse } from '../http/schemas.js'
import { AUDIT_ACCESS } from './access.js'
import { parseAuditFilters } from './filters.js'
import { listAuditEvents } from './repo.js'
import { AuditEventsPage, AuditEventsQuery } from './schemas.js'
import { auditEventView } from './view.js'

const AuditEventsRoute = {
  tags: ['api'],
  summary: 'The account’s audit log, newest first',
  querystring: AuditEventsQuery,
  response: { 200: AuditEventsPage, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
}

/**
 * GET /api/v1/audit-events (admin): the token's account's events, newest first.
 * Paging is by keyset: `?limit=50`, then `?limit=50&before=<next_before>` until
 * `next_before` is null.
 */
export const auditApiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/audit-events',
    {
      schema: AuditEventsRoute,
      preHandler: requirePermission(AUDIT_ACCESS.read),
    },
    async (request) => {
      const { limit, before, ...raw } = request.query
      const { accountId } = principalOf(request)
      const page = await listAuditEvents(app.db, accountId, parseAuditFilters(raw), { limit, before })
      return { events: page.events.map(auditEventView), next_before: page.nextBefore }
    },
  )
}
