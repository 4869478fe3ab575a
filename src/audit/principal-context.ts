import type { FastifyRequest } from 'fastify'
import { principalOf } from '../http/api-scope.js'
import { requestOrigin } from '../http/request-context.js'
import type { AuditContext } from './record.js'

/** The audit context of an `/api/v1` request: the token's user, labelled with the token that acted. */
export function principalAuditContext(request: FastifyRequest): AuditContext {
  const principal = principalOf(request)
  return {
    ...requestOrigin(request),
    actorUserId: principal.userId,
    actorLabel: `${principal.username} (token ${principal.tokenId})`,
  }
}
