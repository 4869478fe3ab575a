import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { fromViewer, originOf } from '../audit/context.js'
import { setCurrentAccount } from '../auth/sessions.js'
import { startSession } from '../auth/start-session.js'
import { redirectOrShowProblem } from '../http/form-outcome.js'
import { Id } from '../http/schemas.js'
import { requireViewer } from '../http/session.js'
import {
  acceptAsNewPerson,
  acceptAsUser,
  declineAsUser,
  InvitationLinkError,
  openInvitationLink,
} from './accept.js'
import { ACCEPT_PATH } from './mail.js'

// Optional strings: what is missing or wrong is said on the page, never as a bare 400.
const field = Type.Optional(Type.String({ maxLength: 1024 }))
const TokenQuery = Type.Object({ token: field })
const NewPersonForm = Type.Object({ token: field, name: field, password: field })
const InvitationParams = Type.Object({ invitationId: Id })
const TITLE = 'Invitation'

/** An unknown, expired, used or cancelled link: a clear page with the link's status (404 or 410). */
function showLinkProblem(reply: FastifyReply, error: InvitationLinkError): FastifyReply {
  return reply.code(error.statusCode).page('error', { title: TITLE, message: error.message })
}

/**
 * The invited person's side (CONTRACT 8): the mail's link, the new person's
 * form, and accepting or declining as a signed-in user. Nobody becomes a member
 * without one of these POSTs.
 */
export const invitationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  /** The accept page for a token, in the form its invitee's situation needs. */
  async function acceptPage(reply: FastifyReply, token: string, state: { name?: string; problem?: string }) {
    const viewer = reply.request.viewer
    let opened: Awaited<ReturnType<typeof openInvitationLink>>
    try {
      opened = await openInvitationLink(app.db, token, app.config.now())
    } catch (error) {
      if (error instanceof InvitationLinkError) return showLinkProblem(reply, error)
      throw error
    }
    const { invitation, user } = opened
    const invited = {
      id: invitation.id,
      email: invitation.email,
      role: invitation.role,
      accountName: opened.accountName,
      invitedByName: opened.invitedByName,
    }
    // An existing user accepts signed in as that address. The sign-in link goes
    // back to the overview, which lists their invitations: the token itself is
    // never put into `?next=`, where it would reach the request log.
    let mode: 'new' | 'sign-in' | 'wrong-user' | 'join' = 'new'
    if (user) {
      if (!viewer) mode = 'sign-in'
      else if (viewer.user.id !== user.id) mode = 'wrong-user'
      else mode = 'join'
    }
    if (mode === 'wrong-user') reply.code(403)
    return reply.page('invitations/accept', {
      title: TITLE,
      mode,
      invited,
      token,
      form: { name: state.name ?? '' },
      problem: state.problem,
    })
  }

  app.get(ACCEPT_PATH, { schema: { querystring: TokenQuery } }, (request, reply) =>
    acceptPage(reply, request.query.token ?? '', {}),
  )

  // A new person: their user, the membership and the accepted invitation in one transaction, then signed in.
  app.post(ACCEPT_PATH, { schema: { body: NewPersonForm } }, (request, reply) => {
    const body = request.body ?? {}
    const token = body.token ?? ''
    return redirectOrShowProblem(
      reply,
      async () => {
        try {
          const { userId, accountId } = await acceptAsNewPerson(
            app.db,
            { token, name: body.name ?? '', password: body.password ?? '' },
            { ...originOf(request), at: app.config.now() },
          )
          request.log.info({ userId, accountId }, 'invitation accepted by a new user')
          await startSession(reply, userId, accountId)
          return '/'
        } catch (error) {
          if (error instanceof InvitationLinkError) return showLinkProblem(reply, error)
          throw error
        }
      },
      (r, problem) => acceptPage(r, token, { name: body.name ?? '', problem }),
    )
  })

  app.post(
    '/invitations/:invitationId/accept',
    { schema: { params: InvitationParams }, preHandler: requireViewer },
    async (request, reply) => {
      const viewer = request.viewer
      if (!viewer) return reply.redirect('/login', 303)
      const { accountId } = await acceptAsUser(
        app.db,
        { invitationId: request.params.invitationId, user: viewer.user },
        fromViewer(request),
      )
      // The person lands on the account they just joined.
      await setCurrentAccount(app.db, { idHash: viewer.sessionIdHash, userId: viewer.user.id }, accountId)
      return reply.redirect('/', 303)
    },
  )

  app.post(
    '/invitations/:invitationId/decline',
    { schema: { params: InvitationParams }, preHandler: requireViewer },
    async (request, reply) => {
      const viewer = request.viewer
      if (!viewer) return reply.redirect('/login', 303)
      await declineAsUser(
        app.db,
        { invitationId: request.params.invitationId, user: viewer.user },
        fromViewer(request),
      )
      return reply.redirect('/', 303)
    },
  )
}
