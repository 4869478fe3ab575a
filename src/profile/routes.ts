import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { fromPerson, fromViewer, originOf } from '../audit/context.js'
import { noticeFor, redirectOrShowProblem } from '../http/form-outcome.js'
import { requireViewer, type Viewer } from '../http/session.js'
import { linkTokenHash } from '../security/link-tokens.js'
import { checkCurrentPassword, countPasswordGuess } from './current-password.js'
import { confirmEmailChange, requestEmailChange } from './email-change.js'
import { changePassword } from './password-change.js'

const field = Type.Optional(Type.String())
const NoticeQuery = Type.Object({ notice: field })
const PasswordForm = Type.Object({ current_password: field, password: field })
const EmailForm = Type.Object({ email: field, current_password: field })
const TokenQuery = Type.Object({ token: field })
const PROFILE = '/settings/profile'

const NOTICES: Record<string, string> = {
  password_changed: 'Your password is changed. Your other sessions have ended.',
  email_sent:
    'We have sent a confirmation link to your new address; your address changes when you follow it (within 24 hours). Your current address was told as well.',
  email_not_sent:
    'The confirmation mail to your new address could not be sent yet; Latchkey keeps trying for a few minutes. If it does not arrive, ask again.',
}

type FormName = 'password' | 'email'

function profilePage(
  reply: FastifyReply,
  viewer: Viewer,
  state: { notice?: string; problem?: string; problemFor?: FormName; newEmail?: string },
) {
  return reply.page('profile/index', {
    title: 'Your profile',
    user: viewer.user,
    newEmail: state.newEmail ?? '',
    notice: state.notice,
    problem: state.problem,
    problemFor: state.problemFor,
  })
}

/** CONTRACT 8, profile: the signed-in person's name, address and password (any signed-in user, even without an account). */
export const profileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    PROFILE,
    { preHandler: requireViewer, schema: { querystring: NoticeQuery } },
    async (request, reply) =>
      profilePage(reply, request.viewer as Viewer, { notice: noticeFor(NOTICES, request.query.notice) }),
  )

  app.post(
    `${PROFILE}/password`,
    { preHandler: requireViewer, schema: { body: PasswordForm } },
    async (request, reply) => {
      const viewer = request.viewer as Viewer
      const body = request.body ?? {}
      await countPasswordGuess(app.db, app.config, viewer.user.email, request.ip)
      return redirectOrShowProblem(
        reply,
        async () => {
          await checkCurrentPassword(app.db, viewer.user, body.current_password ?? '', request.ip)
          await changePassword(
            app.db,
            { userId: viewer.user.id, sessionIdHash: viewer.sessionIdHash, password: body.password ?? '' },
            fromViewer(request),
            app.config.now(),
          )
          request.log.info({ userId: viewer.user.id }, 'password changed')
          return `${PROFILE}?notice=password_changed`
        },
        (r, problem) => profilePage(r, viewer, { problem, problemFor: 'password' }),
      )
    },
  )

  app.post(
    `${PROFILE}/email`,
    { preHandler: requireViewer, schema: { body: EmailForm } },
    async (request, reply) => {
      const viewer = request.viewer as Viewer
      const body = request.body ?? {}
      const newEmail = (body.email ?? '').slice(0, 320)
      await countPasswordGuess(app.db, app.config, viewer.user.email, request.ip)
      return redirectOrShowProblem(
        reply,
        async () => {
          await checkCurrentPassword(app.db, viewer.user, body.current_password ?? '', request.ip)
          const mails = await requestEmailChange(
            app.db,
            { user: viewer.user, newEmail, publicUrl: app.config.publicUrl },
            fromViewer(request),
            app.config.now(),
          )
          // After the commit. The person waits (boundedly) for the confirmation, so
          // they learn if it could not go; the notice to the old address is not awaited.
          const sent = await app.mailer.send(mails.confirm.to, mails.confirm.content)
          void app.mailer.send(mails.notice.to, mails.notice.content)
          return `${PROFILE}?notice=${sent.state === 'failed' ? 'email_not_sent' : 'email_sent'}`
        },
        (r, problem) => profilePage(r, viewer, { problem, problemFor: 'email', newEmail }),
      )
    },
  )

  // Following the mailed link is the confirmation: the new address proved it
  // receives mail, and the token alone says whose address changes (no sign-in
  // needed, the mail may be opened on another device). Unknown link 404, used,
  // expired or voided 410 (passwords/user-links.ts), address taken meanwhile 409.
  app.get(`${PROFILE}/email/confirm`, { schema: { querystring: TokenQuery } }, async (request, reply) => {
    const origin = originOf(request)
    const { userId, email } = await confirmEmailChange(
      app.db,
      linkTokenHash(request.query.token ?? ''),
      (user) => fromPerson(origin, user.id, user.email),
      app.config.now(),
    )
    request.log.info({ userId }, 'email address changed')
    return reply.page('profile/email-changed', { title: 'Email address changed', email })
  })
}
