import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { parseRole, ROLE_DESCRIPTIONS } from '../accounts/roles.js'
import { fromViewer } from '../audit/context.js'
import { ROLES, type Role } from '../db/schema.js'
import { redirectOrShowProblem, selfFormPage } from '../http/form-outcome.js'
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

  const page = selfFormPage<Record<string, string>>(NOTICES, async (reply, state) => {
    const { account } = viewerOf(reply.request)
    const { members, inherited } = await listMembers(app.db, account.id)
    return reply.page('settings/users', {
      title: 'Users',
      account,
      members,
      inherited,
      roles: ROLES,
      roleDescriptions: ROLE_DESCRIPTIONS,
      form: state.form ?? { role: 'browse' },
      problem: state.problem,
      notice: state.notice,
    })
  })

  /**
   * Changes or removes one member, answered like every form on the page. `change`
   * returns the member's role afterwards; someone who took their own admin role
   * away can no longer see this page, so they go home.
   */
  function changeMember(
    request: FastifyRequest,
    reply: FastifyReply,
    userId: number,
    notice: string,
    change: (member: { accountId: number; actorUserId: number; userId: number }) => Promise<Role | undefined>,
  ) {
    const { account, user } = viewerOf(request)
    return redirectOrShowProblem(
      reply,
      async () => {
        const roleAfter = await change({ accountId: account.id, actorUserId: user.id, userId })
        return userId === user.id && roleAfter !== 'admin' ? '/' : `${PATH}?notice=${notice}`
      },
      page.withProblem(),
    )
  }

  app.get(PATH, { preHandler: adminOnly, schema: { querystring: NoticeQuery } }, (request, reply) =>
    page.withNotice(reply, request.query.notice),
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
      page.withProblem(form),
    )
  })

  app.post(
    `${PATH}/:userId/role`,
    { schema: { params: MemberParams, body: RoleForm }, preHandler: adminOnly },
    (request, reply) =>
      changeMember(request, reply, request.params.userId, 'changed', async (member) => {
        const role = parseRole(request.body?.role)
        await changeMemberRole(app.db, { ...member, role }, fromViewer(request))
        return role
      }),
  )

  app.post(
    `${PATH}/:userId/remove`,
    { schema: { params: MemberParams }, preHandler: adminOnly },
    (request, reply) =>
      changeMember(request, reply, request.params.userId, 'removed', async (member) => {
        await removeMember(app.db, member, fromViewer(request))
        return undefined
      }),
  )
}
