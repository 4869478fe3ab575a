import type { FastifyRequest } from 'fastify'
import type { Application } from '../db/schema.js'
import { principalOf } from '../http/api-scope.js'
import type { AuditContext, AuditOrigin } from './record.js'

// Every audit context is built here: who acted, from where, and when by the
// configured clock (config.now), so tests that move time move the log too.

/** Where a request came from, and when. */
export function originOf(request: FastifyRequest): AuditOrigin {
  return {
    ip: request.ip,
    userAgent: String(request.headers['user-agent'] ?? ''),
    at: request.server.config.now(),
  }
}

/** A signed-in page request: the viewer, labelled by email. */
export function fromViewer(request: FastifyRequest): AuditContext {
  return {
    ...originOf(request),
    actorUserId: request.viewer?.user.id ?? null,
    actorLabel: request.viewer?.user.email ?? '',
    amr: request.viewer?.amr ?? '',
  }
}

/** An `/api/v1` request: the token's user, labelled with the token that acted. */
export function fromPrincipal(request: FastifyRequest): AuditContext {
  const principal = principalOf(request)
  return {
    ...originOf(request),
    actorUserId: principal.userId,
    actorLabel: `${principal.username ?? `application ${principal.appId}`} (token ${principal.tokenId})`,
  }
}

/** An OAuth client acting with its own credentials (no user behind it). */
export function fromClient(origin: AuditOrigin, application: Pick<Application, 'id'>): AuditContext {
  return { ...origin, actorUserId: null, actorLabel: `application ${application.id}` }
}

/** A person identified by the request itself (sign-in, first set-up, a code exchanged for them). */
export function fromPerson(origin: AuditOrigin, userId: number | null, label: string): AuditContext {
  return { ...origin, actorUserId: userId, actorLabel: label.slice(0, 320) }
}

/** The `latchkey` command on the server's own machine. */
export function fromCli(now: Date): AuditContext {
  return { actorUserId: null, actorLabel: 'cli', ip: '', userAgent: 'latchkey-cli', at: now }
}

/** An anonymous `POST /leaked-tokens` (CONTRACT 11): a secret scanner, or anyone who found a token. */
export function fromLeakReport(origin: AuditOrigin): AuditContext {
  return { ...origin, actorUserId: null, actorLabel: 'leaked-token report' }
}
