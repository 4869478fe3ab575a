import type { FastifyInstance } from 'fastify'
import { type Static, Type } from 'typebox'
import { BadRequestError } from '../errors.js'
import { requireRole, viewerOf } from '../http/session.js'
import { AUDIT_ACCESS, AUDIT_ADMIN_ONLY } from './access.js'
import { type AuditFilters, parseAuditFilters } from './filters.js'
import { auditActions, listAuditEvents, newerPageBefore } from './repo.js'
import { detailPairs } from './view.js'

export const AUDIT_PAGE_SIZE = 50
const FILTER_FIELDS = ['action', 'actor', 'from', 'to'] as const

const Query = Type.Object({
  action: Type.Optional(Type.String({ maxLength: 100 })),
  actor: Type.Optional(Type.String({ maxLength: 320 })),
  from: Type.Optional(Type.String({ maxLength: 40 })),
  to: Type.Optional(Type.String({ maxLength: 40 })),
  before: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })),
})

/** Settings › Accounts › Audit log (admin only): the current account's events, newest first. */
export async function auditPageRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/settings/accounts/audit',
    {
      schema: { querystring: Query },
      preHandler: requireRole(AUDIT_ACCESS.read, AUDIT_ADMIN_ONLY),
    },
    async (request, reply) => {
      const { account } = viewerOf(request)
      const { before, action, actor, from, to } = request.query
      const raw = { action, actor, from, to }
      let filters: AuditFilters = {}
      let problem: string | undefined
      try {
        filters = parseAuditFilters(raw)
      } catch (error) {
        if (!(error instanceof BadRequestError)) throw error
        problem = error.message
        reply.code(400)
      }
      const page = await listAuditEvents(app.db, account.id, filters, { limit: AUDIT_PAGE_SIZE, before })
      const firstId = page.events[0]?.id
      const newer =
        before === undefined || firstId === undefined
          ? undefined
          : await newerPageBefore(app.db, account.id, filters, { limit: AUDIT_PAGE_SIZE, firstId })
      const keep = FILTER_FIELDS.flatMap((k): [string, string][] => (raw[k] ? [[k, raw[k]]] : []))
      const link = (b: number | null) =>
        `?${new URLSearchParams(b === null ? keep : [...keep, ['before', String(b)]])}`
      return reply.page('settings/audit', {
        title: 'Audit log',
        account,
        events: page.events.map((e) => ({ ...e, pairs: detailPairs(e.details) })),
        actions: await auditActions(app.db, account.id),
        filters: raw,
        problem,
        olderLink: page.nextBefore === null ? undefined : link(page.nextBefore),
        newerLink: newer === undefined ? undefined : link(newer),
      })
    },
  )
}
