import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { roleAtLeast } from '../accounts/roles.js'
import type { Role } from '../db/schema.js'
import { AuthenticationError, PermissionError } from '../errors.js'
import { headerToken, TOKEN_INACTIVE } from '../validation/header-token.js'
import type { Principal } from '../validation/validator.js'

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

/**
 * The scope for the JSON management API: every route needs an active token in a
 * request header. Authentication runs in preValidation, after the body is parsed
 * (so a token sent in the body is recognised and refused) and before schema
 * validation (so an anonymous caller learns nothing about the input rules).
 */
export function apiScope(routes: FastifyPluginAsync[]): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.decorateRequest('principal', null)
    app.addHook('onRoute', (route) => {
      route.config = { ...route.config, errorStyle: 'json' }
    })
    app.addHook('preValidation', async (request) => {
      const result = await app.tokens.validate(headerToken(request))
      if (!result.active) throw new AuthenticationError(TOKEN_INACTIVE, true)
      request.principal = result.principal
    })
    for (const routesPlugin of routes) await app.register(routesPlugin)
  }
}
