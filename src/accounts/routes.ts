import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { setCurrentAccount } from '../auth/sessions.js'
import { NotFoundError } from '../errors.js'
import { requireViewer, viewerOf } from '../http/session.js'

// A string, not an Id: an id that is not one of the user's accounts, or not a number, is a 404.
const SwitchForm = Type.Object({ account_id: Type.Optional(Type.String()) })

/** POST /accounts/switch: changes the session's current account to another the user can act on. */
export const accountSwitchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/accounts/switch',
    { preHandler: requireViewer, schema: { body: SwitchForm } },
    async (request, reply) => {
      const viewer = viewerOf(request)
      const accountId = Number(request.body?.account_id)
      const target = viewer.accounts.find((a) => a.id === accountId)
      if (!target) throw new NotFoundError('No such account.')
      await setCurrentAccount(app.db, { idHash: viewer.sessionIdHash, userId: viewer.user.id }, target.id)
      return reply.redirect('/', 303)
    },
  )
}
