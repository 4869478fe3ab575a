import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { parseRole, ROLE_DESCRIPTIONS } from '../accounts/roles.js'
import { fromViewer } from '../audit/context.js'
import { ROLES, type Role } from '../db/schema.js'
import { displayTime } from '../http/display.js'
import { type PageState, redirectOrShowProblem, selfFormPage } from '../http/form-outcome.js'
import { Id, NoticeQuery } from '../http/schemas.js'
import { requireRole, viewerOf } from '../http/session.js'
import { cancelInvitation, type IssuedInvitation, invite, resendInvitation } from '../invitations/admin.js'
import { type InvitationSent, mailInvitation } from '../invitations/mail.js'
import { listPendingInvitations } from '../invitations/repo.js'
import { requireStepUp } from '../step-up/require-step-up.js'
import { MEMBER_ACCESS, USERS_ADMIN_ONLY } from './access.js'
import { changeMemberRole, listMembers, removeMember } from './service.js'

const PATH = '/settings/accounts/users'

// CONTRACT section 3: adding a user is `email` + `role`, an invitation (section 8).
// Nothing else is read from the form: no name, and never a password.
const AddForm = Type.Object({
  email: Type.Optional(Type.String({ maxLength: 320 })),
  role: Type.Optional(Type.String({ maxLength: 20 })),
})
const RoleForm = Type.Object({ role: Type.Optional(Type.String({ maxLength: 20 })) })
const MemberParams = Type.Object({ userId: Id })
const InvitationParams = Type.Object({ invitationId: Id })

const NOTICES: Record<string, string> = {
  changed: 'The role was changed.',
  removed: 'The member was removed.',
  cancelled: 'The invitation was cancelled; its link no longer works.',
}

type AddFormState = { email?: string; role?: string }

/** Settings › Accounts › Users (admin only): members, pending invitations, and inviting someone. */
export const memberRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const adminOnly = requireRole(MEMBER_ACCESS.read, USERS_ADMIN_ONLY)

  async function render(reply: FastifyReply, state: PageState<AddFormState> & { sent?: InvitationSent }) {
    const { account } = viewerOf(reply.request)
    const now = app.config.now()
    const [{ members, inherited }, pending] = await Promise.all([
      listMembers(app.db, account.id),
      listPendingInvitations(app.db, account.id),
    ])
    const invitations = pending.map((row) => ({
      ...row,
      expires: displayTime(row.expires_at),
      expired: row.expires_at.getTime() <= now.getTime(),
    }))
    return reply.page('settings/users', {
      title: 'Users',
      account,
      members,
      inherited,
      invitations,
      roles: ROLES,
      roleDescriptions: ROLE_DESCRIPTIONS,
      form: state.form ?? { role: 'browse' },
      problem: state.problem,
      notice: state.notice,
      sent: state.sent,
    })
  }
  const page = selfFormPage<AddFormState>(NOTICES, render)

  /**
   * Mails a new or renewed invitation and answers with the page itself (not a
   * redirect), so the link the admin may be shown never travels in a URL.
   */
  async function mailAndShow(request: FastifyRequest, reply: FastifyReply, issued: IssuedInvitation) {
    const { account, user } = viewerOf(request)
    const sent = await mailInvitation(app, issued, { accountName: account.name, inviterName: user.name })
    if (!sent.delivered)
      request.log.warn({ invitationId: issued.invitation.id }, 'invitation mail not sent yet')
    return render(reply, { sent }) as Promise<FastifyReply>
  }

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
    const form = { email: request.body?.email ?? '', role: request.body?.role ?? '' }
    return redirectOrShowProblem(
      reply,
      async () => {
        const issued = await invite(
          app.db,
          { accountId: account.id, actorUserId: user.id, email: form.email, role: parseRole(form.role) },
          fromViewer(request),
        )
        return mailAndShow(request, reply, issued)
      },
      page.withProblem(form),
    )
  })

  app.post(
    `${PATH}/invitations/:invitationId/resend`,
    { schema: { params: InvitationParams }, preHandler: adminOnly },
    (request, reply) => {
      const { account, user } = viewerOf(request)
      return redirectOrShowProblem(
        reply,
        async () => {
          const issued = await resendInvitation(
            app.db,
            { accountId: account.id, actorUserId: user.id, invitationId: request.params.invitationId },
            fromViewer(request),
          )
          return mailAndShow(request, reply, issued)
        },
        page.withProblem(),
      )
    },
  )

  app.post(
    `${PATH}/invitations/:invitationId/cancel`,
    { schema: { params: InvitationParams }, preHandler: adminOnly },
    (request, reply) => {
      const { account, user } = viewerOf(request)
      return redirectOrShowProblem(
        reply,
        async () => {
          await cancelInvitation(
            app.db,
            { accountId: account.id, actorUserId: user.id, invitationId: request.params.invitationId },
            fromViewer(request),
          )
          return `${PATH}?notice=cancelled`
        },
        page.withProblem(),
      )
    },
  )

  app.post(
    `${PATH}/:userId/role`,
    {
      schema: { params: MemberParams, body: RoleForm },
      preHandler: [adminOnly, requireStepUp({ action: 'change the member’s role', back: PATH })],
    },
    (request, reply) =>
      changeMember(request, reply, request.params.userId, 'changed', async (member) => {
        const role = parseRole(request.body?.role)
        await changeMemberRole(app.db, { ...member, role }, fromViewer(request))
        return role
      }),
  )

  app.post(
    `${PATH}/:userId/remove`,
    {
      schema: { params: MemberParams },
      preHandler: [adminOnly, requireStepUp({ action: 'remove the member', back: PATH })],
    },
    (request, reply) =>
      changeMember(request, reply, request.params.userId, 'removed', async (member) => {
        await removeMember(app.db, member, fromViewer(request))
        return undefined
      }),
  )
}
