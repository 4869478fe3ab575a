import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type Static, Type } from 'typebox'
import { ROLE_DESCRIPTIONS } from '../accounts/roles.js'
import { fromViewer } from '../audit/context.js'
import { ROLES } from '../db/schema.js'
import { redirectOrShowProblem } from '../http/form-outcome.js'
import { requireRole, viewerOf } from '../http/session.js'
import { MEMBER_ACCESS, USERS_ADMIN_ONLY } from './access.js'
import { addMember, changeMemberRole, listMembers, parseRole, removeMember } from './service.js'

const PATH = '/settings/accounts/users'

const AddForm = Type.Object({
  email: Type.Optional(Type.String({ maxLength: 320 })),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  password: Type.Optional(Type.String({ maxLength: 1024 })),
  role: Type.Optional(Type.String({ maxLength: 20 })),
})
const RoleForm = Type.Object({ role: Type.Optional(Type.String({ maxLength: 20 })) })
const MemberParams = Type.Object({ userId: Type.Integer({ minimum: 1, maximum: 2147483647 }) })

const NOTICES: Record<string, string> = {
  added: 'The user was added.',
  created: 'The user was created and added.',
  changed: 'The role was changed.',
  removed: 'The member was removed.',
}

/** Settings › Accounts › Users (admin only): members of the current account and their roles. */
export async function memberRoutes(app: FastifyInstance): Promise<void> {
  const adminOnly = requireRole(MEMBER_ACCESS.read, USERS_ADMIN_ONLY)

  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { problem?: string; form?: Record<string, string>; notice?: string } = {},
  ) {
    const { account } = viewerOf(request)
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
  function orProblem(
    request: FastifyRequest,
    reply: FastifyReply,
    action: () => Promise<string>,
    form?: Record<string, string>,
  ) {
    return redirectOrShowProblem(reply, action, (r, problem) => render(request, r, { problem, form }))
  }

  app.get<{ Querystring: { done?: string } }>(PATH, { preHandler: adminOnly }, (request, reply) =>
    render(request, reply, { notice: NOTICES[String(request.query.done)] }),
  )

  app.post<{ Body: Static<typeof AddForm> }>(
    PATH,
    { schema: { body: AddForm }, preHandler: adminOnly },
    (request, reply) => {
      const { account, user } = viewerOf(request)
      const body = request.body ?? {}
      const form = { email: body.email ?? '', name: body.name ?? '', role: body.role ?? '' }
      return orProblem(
        request,
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
          return `${PATH}?done=${created ? 'created' : 'added'}`
        },
        form,
      )
    },
  )

  app.post<{ Params: Static<typeof MemberParams>; Body: Static<typeof RoleForm> }>(
    `${PATH}/:userId/role`,
    { schema: { params: MemberParams, body: RoleForm }, preHandler: adminOnly },
    (request, reply) => {
      const { account, user } = viewerOf(request)
      const target = request.params.userId
      return orProblem(request, reply, async () => {
        const role = parseRole(request.body?.role)
        await changeMemberRole(
          app.db,
          { accountId: account.id, actorUserId: user.id, userId: target, role },
          fromViewer(request),
        )
        // Someone who demoted themselves can no longer see this page.
        return target === user.id && role !== 'admin' ? '/' : `${PATH}?done=changed`
      })
    },
  )

  app.post<{ Params: Static<typeof MemberParams> }>(
    `${PATH}/:userId/remove`,
    { schema: { params: MemberParams }, preHandler: adminOnly },
    (request, reply) => {
      const { account, user } = viewerOf(request)
      const target = request.params.userId
      return orProblem(request, reply, async () => {
        await removeMember(
          app.db,
          { accountId: account.id, actorUserId: user.id, userId: target },
          fromViewer(request),
        )
        return target === user.id ? '/' : `${PATH}?done=removed`
      })
    },
  )
}
