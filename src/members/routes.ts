import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { parseRole, ROLE_DESCRIPTIONS } from '../accounts/roles.js'
import { fromViewer } from '../audit/context.js'
import { ROLES } from '../db/schema.js'
import { noticeFor, redirectOrShowProblem } from '../http/form-outcome.js'
import { Id, NoticeQuery } from '../http/schemas.js'
import { requireRole, viewerOf } from '../http/session.js'
import { MEMBER_ACCESS, USERS_ADMIN_ONLY } from './access.js'
import { addMember, changeMemberRole, listMembers, removeMember } from './service.js'

const PATH = '/settings/accounts/users'

const AddForm = Type.Object({
  email: Type.Optional(Type.String({ maxLength: 320 })),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  password: Type.Optional(Type.String({ maxLength: 1024 })),
  role: Type.Optional(Type.String({ maxLength: 20 })),
})
const RoleForm = Type.Object({ role: Type.Optional(Type.String({ maxLength: 20 })) })
const MemberParams = Type.Object({ userId: Id })

const NOTICES: Record<string, string> = {
  added: 'The user was added.',
  created: 'The user was created and added.',
  changed: 'The role was changed.',
  removed: 'The member was removed.',
}

/** Settings › Accounts › Users (admin only): members of the current account and their roles. */
export const memberRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const adminOnly = requireRole(MEMBER_ACCESS.read, USERS_ADMIN_ONLY)

  async function render(
    reply: FastifyReply,
    extra: { problem?: string; form?: Record<string, string>; notice?: string } = {},
  ) {
    const { account } = viewerOf(reply.request)
    const { members, inherited } = await listMembers(app.db, account.id)
    return reply.page('settings/users', {
      title: 'Users',
      account,
      members,
      inherited,
      roles: ROLES,
      roleDescriptions: ROLE_DESCRIPTIONS,
      form: extra.form ?? { role: 'browse' },
      problem: extra.problem,
      notice: extra.notice,
    })
  }

  /** Rule violations are shown on the page, with the status code of the error. */
  const onPage = (form?: Record<string, string>) => (reply: FastifyReply, problem: string) =>
    render(reply, { problem, form })

  app.get(PATH, { preHandler: adminOnly, schema: { querystring: NoticeQuery } }, (request, reply) =>
    render(reply, { notice: noticeFor(NOTICES, request.query.notice) }),
  )

  app.post(PATH, { schema: { body: AddForm }, preHandler: adminOnly }, (request, reply) => {
    const { account, user } = viewerOf(request)
    const body = request.body ?? {}
    const form = { email: body.email ?? '', name: body.name ?? '', role: body.role ?? '' }
    return redirectOrShowProblem(
      reply,
      async () => {
        const { created } = await addMember(
          app.db,
          {
            ...form,
            password: body.password ?? '',
            role: parseRole(body.role),
            accountId: account.id,
            actorUserId: user.id,
          },
          fromViewer(request),
        )
        return `${PATH}?notice=${created ? 'created' : 'added'}`
      },
      onPage(form),
    )
  })

  app.post(
    `${PATH}/:userId/role`,
    { schema: { params: MemberParams, body: RoleForm }, preHandler: adminOnly },
    (request, reply) => {
      const { account, user } = viewerOf(request)
      const target = request.params.userId
      return redirectOrShowProblem(
        reply,
        async () => {
          const role = parseRole(request.body?.role)
          await changeMemberRole(
            app.db,
            { accountId: account.id, actorUserId: user.id, userId: target, role },
            fromViewer(request),
          )
          // Someone who demoted themselves can no longer see this page.
          return target === user.id && role !== 'admin' ? '/' : `${PATH}?notice=changed`
        },
        onPage(),
      )
    },
  )

  app.post(
    `${PATH}/:userId/remove`,
    { schema: { params: MemberParams }, preHandler: adminOnly },
    (request, reply) => {
      const { account, user } = viewerOf(request)
      const target = request.params.userId
      return redirectOrShowProblem(
        reply,
        async () => {
          await removeMember(
            app.db,
            { accountId: account.id, actorUserId: user.id, userId: target },
            fromViewer(request),
          )
          return target === user.id ? '/' : `${PATH}?notice=removed`
        },
        onPage(),
      )
    },
  )
}
