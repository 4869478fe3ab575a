import type { FastifyRequest } from 'fastify'
import type { AuditContext } from '../audit/record.js'
import { principalOf } from '../plugins/api-auth.js'
import { requestOrigin } from '../plugins/request-context.js'

/** The audit context of an `/api/v1` request: the token's user, labelled with the token that acted. */
export function principalAuditContext(request: FastifyRequest): AuditContext {
  const principal = principalOf(request)
  return {
    ...requestOrigin(request),
    actorUserId: principal.userId,
    actorLabel: `${principal.username} (token ${principal.tokenId})`,
  }
}
