import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { fromViewer } from '../audit/context.js'
import { redirectOrShowProblem, selfFormPage } from '../http/form-outcome.js'
import { Id, IdParams, NoticeQuery } from '../http/schemas.js'
import { requireRole, viewerOf } from '../http/session.js'
import { requireStepUp } from '../step-up/require-step-up.js'
import { SUB_ACCOUNT_ACCESS, SUB_ACCOUNTS_ADMIN_ONLY } from './access.js'
import { listSubAccounts } from './repo.js'
import { createSubAccount, deleteSubAccount, renameSubAccount, subAccountForDeletion } from './service.js'

const PATH = '/settings/accounts/sub-accounts'

const CreateForm = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 400 })),
  parent_id: Type.Optional(Id),
})
const RenameForm = Type.Object({ name: Type.Optional(Type.String({ maxLength: 400 })) })

const NOTICES: Record<string, string> = {
  created: 'The sub-account was created.',
  renamed: 'The sub-account was renamed.',
  deleted: 'The sub-account was deleted, with everything under it.',
}

/** Settings › Accounts › Sub-accounts (admin only): the current account's tree below it. */
export const subAccountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const adminOnly = requireRole(SUB_ACCOUNT_ACCESS.read, SUB_ACCOUNTS_ADMIN_ONLY)

  const page = selfFormPage<string>(NOTICES, async (reply, state) => {
    const { account } = viewerOf(reply.request)
    return reply.page('settings/sub-accounts', {
      title: 'Sub-accounts',
      account,
      subAccounts: await listSubAccounts(app.db, account.id),
      name: state.form ?? '',
      problem: state.problem,
      notice: state.notice,
    })
  })

  app.get(PATH, { preHandler: adminOnly, schema: { querystring: NoticeQuery } }, (request, reply) =>
    page.withNotice(reply, request.query.notice),
  )

  app.post(PATH, { schema: { body: CreateForm }, preHandler: adminOnly }, (request, reply) => {
    const { account, user } = viewerOf(request)
    const name = request.body?.name ?? ''
    const parentId = request.body?.parent_id ?? account.id
    return redirectOrShowProblem(
      reply,
      async () => {
        await createSubAccount(
          app.db,
          { rootId: account.id, actorUserId: user.id, parentId, name },
          fromViewer(request),
        )
        return `${PATH}?notice=created`
      },
      page.withProblem(name),
    )
  })

  app.post(
    `${PATH}/:id/rename`,
    { schema: { params: IdParams, body: RenameForm }, preHandler: adminOnly },
    (request, reply) => {
      const { account, user } = viewerOf(request)
      return redirectOrShowProblem(
        reply,
        async () => {
          await renameSubAccount(
            app.db,
            {
              rootId: account.id,
              actorUserId: user.id,
              id: request.params.id,
              name: request.body?.name ?? '',
            },
            fromViewer(request),
          )
          return `${PATH}?notice=renamed`
        },
        page.withProblem(),
      )
    },
  )

  app.get(
    `${PATH}/:id/delete`,
    { schema: { params: IdParams }, preHandler: adminOnly },
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

  app.post(
    `${PATH}/:id/delete`,
    {
      schema: { params: IdParams },
      preHandler: [adminOnly, requireStepUp({ action: 'delete the sub-account', back: PATH })],
    },
    async (request, reply) => {
      const { account, user } = viewerOf(request)
      await deleteSubAccount(
        app.db,
        { rootId: account.id, actorUserId: user.id, id: request.params.id, now: app.config.now() },
        fromViewer(request),
      )
      return reply.redirect(`${PATH}?notice=deleted`, 303)
    },
  )
}
