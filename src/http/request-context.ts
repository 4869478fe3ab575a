import type { FastifyRequest } from 'fastify'
import type { AuditContext } from '../audit/record.js'

/** Where a request came from, for audit events and throttling. */
export function requestOrigin(request: FastifyRequest): Omit<AuditContext, 'actorUserId' | 'actorLabel'> {
  return { ip: request.ip, userAgent: String(request.headers['user-agent'] ?? '') }
}

/** The audit context of a signed-in page request. */
export function viewerAuditContext(request: FastifyRequest): AuditContext {
  return {
    ...requestOrigin(request),
    actorUserId: request.viewer?.user.id ?? null,
    actorLabel: request.viewer?.user.email ?? '',
  }
}
