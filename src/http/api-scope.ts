import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { roleAtLeast } from '../accounts/roles.js'
import type { Role } from '../db/schema.js'
import { AuthenticationError, ForbiddenError, PermissionError } from '../errors.js'
import { headerToken, TOKEN_INACTIVE } from '../validation/header-token.js'
import type { Principal } from '../validation/validator.js'
import { named } from './plugin-name.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The active token behind an `/api/v1` request. */
    principal: Principal | null
  }
}

/** The principal of an authenticated API request (the scope's hook guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AuthenticationError(TOKEN_INACTIVE, true)
  return request.principal
}

/** preHandler: the token's effective permission must be at least `role` (403 with both levels otherwise). */
export function requirePermission(role: Role) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const principal = principalOf(request)
    if (!roleAtLeast(principal.permission, role)) {
      throw new PermissionError(`This needs the ${role} permission; the token has ${principal.permission}.`, {
        required: role,
        permission: principal.permission,
      })
    }
  }
}

/** What an application token is told when it asks for a credential. */
export const PERSON_ONLY =
  'An application token cannot create credentials (API tokens, client secrets): a person must do it, signed in or with an API token.'

/**
 * preHandler for every `/api/v1` route that creates or reveals a credential (an
 * API token, an application and its client secret): only a person may, through
 * their own API token. An application's token acts for a person within a grant
 * the person can revoke; a credential it minted would outlive that grant
 * (issue 11, item 5), so it is refused whatever its permission.
 */
export function requirePerson() {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (principalOf(request).kind !== 'personal') throw new ForbiddenError(PERSON_ONLY)
  }
}

/** The person behind the principal; a token acting for nobody (client credentials) is refused. */
export function personIdOf(principal: Principal): number {
  if (principal.userId === null) throw new ForbiddenError(PERSON_ONLY)
  return principal.userId
}

/** What a client-credentials token is told on any `/api/v1` route but `GET /api/v1/me`. */
export const CLIENT_TOKEN_LIMIT =
  'A client credentials token acts as its application, for no person: on /api/v1 it may only read GET /api/v1/me.'

/** The only `/api/v1` route a client-credentials token may call (README: Client credentials). */
const CLIENT_TOKEN_ROUTES: ReadonlySet<string> = new Set(['/api/v1/me'])

/**
 * The scope for the JSON management API: every route needs an active token in a
 * request header. Authentication runs in preValidation, after the body is parsed
 * (so a token sent in the body is recognised and refused) and before schema
 * validation (so an anonymous caller learns nothing about the input rules).
 */
export function apiScope(routes: FastifyPluginAsync[]): FastifyPluginAsync {
  return named(async function api(app: FastifyInstance) {
    app.decorateRequest('principal', null)
    app.addHook('onRoute', (route) => {
      route.config = { ...route.config, errorStyle: 'json' }
    })
    app.addHook('preValidation', async (request) => {
      const result = await app.tokens.validate(headerToken(request))
      if (!result.active) throw new AuthenticationError(TOKEN_INACTIVE, true)
      // Every management action is done and audited as a person; a client token has none behind it.
      if (result.principal.kind === 'client' && !CLIENT_TOKEN_ROUTES.has(request.routeOptions.url ?? '')) {
        throw new ForbiddenError(CLIENT_TOKEN_LIMIT)
      }
      request.principal = result.principal
    })
    for (const routesPlugin of routes) await app.register(named(routesPlugin))
  })
}
