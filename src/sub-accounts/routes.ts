import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type Static, Type } from 'typebox'
import { fromViewer } from '../audit/context.js'
import { redirectOrShowProblem } from '../http/form-outcome.js'
import { requireRole, viewerOf } from '../http/session.js'
import { SUB_ACCOUNT_ACCESS, SUB_ACCOUNTS_ADMIN_ONLY } from './access.js'
import { listSubAccounts } from './repo.js'
import { createSubAccount, deleteSubAccount, renameSubAccount, subAccountForDeletion } from './service.js'

const PATH = '/settings/accounts/sub-accounts'

const Id = Type.Integer({ minimum: 1, maximum: 2147483647 })
const CreateForm = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 400 })),
  parent_id: Type.Optional(Id),
})
const RenameForm = Type.Object({ name: Type.Optional(Type.String({ maxLength: 400 })) })
const Params = Type.Object({ id: Id })

const NOTICES: Record<string, string> = {
  created: 'The sub-account was created.',
  renamed: 'The sub-account was renamed.',
  deleted: 'The sub-account was deleted, with everything under it.',
}

/** Settings › Accounts › Sub-accounts (admin only): the current account's tree below it. */
export async function subAccountRoutes(app: FastifyInstance): Promise<void> {
  const adminOnly = requireRole(SUB_ACCOUNT_ACCESS.read, SUB_ACCOUNTS_ADMIN_ONLY)

  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { problem?: string; name?: string; notice?: string } = {},
  ) {
    const { account } = viewerOf(request)
    return reply.page('settings/sub-accounts', {
      title: 'Sub-accounts',
      account,
      subAccounts: await listSubAccounts(app.db, account.id),
      name: extra.name ?? '',
      problem: extra.problem,
      notice: extra.notice,
    })
  }

  function orProblem(
    request: FastifyRequest,
    reply: FastifyReply,
    action: () => Promise<string>,
    name?: string,
  ) {
    return redirectOrShowProblem(reply, action, (r, problem) => render(request, r, { problem, name }))
  }

  app.get<{ Querystring: { done?: string } }>(PATH, { preHandler: adminOnly }, (request, reply) =>
    render(request, reply, { notice: NOTICES[String(request.query.done)] }),
  )

  app.post<{ Body: Static<typeof CreateForm> }>(
    PATH,
    { schema: { body: CreateForm }, preHandler: adminOnly },
    (request, reply) => {
      const { account, user } = viewerOf(request)
      const name = request.body?.name ?? ''
      const parentId = request.body?.parent_id ?? account.id
      return orProblem(
        request,
        reply,
        async () => {
          await createSubAccount(
            app.db,
            { rootId: account.id, actorUserId: user.id, parentId, name },
            fromViewer(request),
          )
          return `${PATH}?done=created`
        },
        name,
      )
    },
  )

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof RenameForm> }>(
    `${PATH}/:id/rename`,
    { schema: { params: Params, body: RenameForm }, preHandler: adminOnly },
    (request, reply) => {
      const { account, user } = viewerOf(request)
      return orProblem(request, reply, async () => {
        await renameSubAccount(
          app.db,
          { rootId: account.id, actorUserId: user.id, id: request.params.id, name: request.body?.name ?? '' },
          fromViewer(request),
        )
        return `${PATH}?done=renamed`
      })
    },
  )

  app.get<{ Params: Static<typeof Params> }>(
    `${PATH}/:id/delete`,
    { schema: { params: Params }, preHandler: adminOnly },
    async (request, reply) => {
      const { account } = viewerOf(request)
      const found = await subAccountForDeletion(app.db, {
        rootId: account.id,
        id: request.params.id,
        now: app.config.now(),
      })
      return reply.page('settings/sub-account-delete', { title: 'Delete sub-account', ...found })
    },
  )

  app.post<{ Params: Static<typeof Params> }>(
    `${PATH}/:id/delete`,
    { schema: { params: Params }, preHandler: adminOnly },
    async (request, reply) => {
      const { account, user } = viewerOf(request)
      await deleteSubAccount(
        app.db,
        { rootId: account.id, actorUserId: user.id, id: request.params.id, now: app.config.now() },
        fromViewer(request),
      )
      return reply.redirect(`${PATH}?done=deleted`, 303)
    },
  )
}
