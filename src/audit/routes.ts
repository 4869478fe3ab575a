import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { amrLabel } from '../auth/amr.js'
import { redirectOrShowProblem } from '../http/form-outcome.js'
import { Id } from '../http/schemas.js'
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
  before: Type.Optional(Id),
})

/** Settings › Accounts › Audit log (admin only): the current account's events, newest first. */
export const auditPageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/settings/accounts/audit',
    {
      schema: { querystring: Query },
      preHandler: requireRole(AUDIT_ACCESS.read, AUDIT_ADMIN_ONLY),
    },
    async (request, reply) => {
      const { account } = viewerOf(request)
      const { before, action, actor, from, to } = request.query
      const raw = { action, actor, from, to }

      async function render(filters: AuditFilters, problem?: string) {
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
          events: page.events.map((e) => ({
            ...e,
            pairs: detailPairs(e.details),
            signedInWith: amrLabel(e.amr),
          })),
          actions: await auditActions(app.db, account.id),
          filters: raw,
          problem,
          olderLink: page.nextBefore === null ? undefined : link(page.nextBefore),
          newerLink: newer === undefined ? undefined : link(newer),
        })
      }

      // Filters that do not parse are shown on the page (400), over the unfiltered list.
      return redirectOrShowProblem(
        reply,
        () => render(parseAuditFilters(raw)),
        (_reply, problem) => render({}, problem),
      )
    },
  )
}
