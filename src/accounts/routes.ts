import type { FastifyInstance } from 'fastify'
import { setCurrentAccount } from '../auth/sessions.js'
import { NotFoundError } from '../errors.js'
import { requireViewer } from '../http/session.js'

/** POST /accounts/switch: changes the session's current account to another the user can act on. */
export async function accountSwitchRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: { account_id?: string } }>(
    '/accounts/switch',
    { preHandler: requireViewer },
    async (request, reply) => {
      const viewer = request.viewer!
      const accountId = Number(request.body?.account_id)
      const target = viewer.accounts.find((a) => a.id === accountId)
      if (!target) throw new NotFoundError('No such account.')
      await setCurrentAccount(app.db, viewer.sessionIdHash, target.id)
      return reply.redirect('/', 303)
    },
  )
}
