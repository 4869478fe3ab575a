import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { NotFoundError } from '../errors.js'
import { principalOf } from '../http/api-scope.js'
import { ErrorResponse, RoleSchema, TokenKindSchema } from '../http/schemas.js'
import { findAccount } from './repo.js'

const Me = Type.Object({
  // null for a client-credentials token: it acts as its application, for nobody (CONTRACT 10).
  user: Type.Union([Type.Object({ id: Type.Integer(), email: Type.String() }), Type.Null()]),
  account: Type.Object({ id: Type.Integer(), name: Type.String() }),
  permission: RoleSchema,
  token: Type.Object({
    id: Type.Integer(),
    kind: TokenKindSchema,
    name: Type.String(),
    app_id: Type.Union([Type.Integer(), Type.Null()]),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  }),
})

/** GET /api/v1/me: who the token acts as, where, and with what permission. */
export const meRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/me',
    {
      schema: {
        tags: ['api'],
        summary: 'The token’s user, account and effective permission',
        response: { 200: Me, 401: ErrorResponse },
      },
    },
    async (request) => {
      const principal = principalOf(request)
      const account = await findAccount(app.db, principal.accountId)
      if (!account) throw new NotFoundError()
      return {
        user: principal.userId === null ? null : { id: principal.userId, email: principal.username ?? '' },
        account: { id: account.id, name: account.name },
        permission: principal.permission,
        token: {
          id: principal.tokenId,
          kind: principal.kind,
          name: principal.name,
          app_id: principal.appId,
          expires_at: principal.expiresAt?.toISOString() ?? null,
        },
      }
    },
  )
}
