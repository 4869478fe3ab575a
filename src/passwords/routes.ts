import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { fromPerson, originOf } from '../audit/context.js'
import { landingAccountId } from '../auth/landing-account.js'
import { startSession } from '../auth/start-session.js'
import { throttleMailRequest } from '../auth/throttle.js'
import { redirectOrShowProblem } from '../http/form-outcome.js'
import { linkTokenHash } from '../security/link-tokens.js'
import { issueResetLink, resetMail, resetPassword } from './reset.js'
import { countResetAttempt, refundResetAttempt } from './reset-throttle.js'
import { usableLink } from './user-links.js'

const field = Type.Optional(Type.String())
const ForgotForm = Type.Object({ email: field })
const TokenQuery = Type.Object({ token: field })
const ResetForm = Type.Object({ token: field, password: field })
const FORGOT = { title: 'Forgot your password?' }
const RESET = { title: 'Choose a new password' }

/** CONTRACT 8, forgotten password: `/password/forgot` and `/password/reset`. */
export const passwordRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/password/forgot', async (_request, reply) => reply.page('passwords/forgot', { ...FORGOT }))

  app.post('/password/forgot', { schema: { body: ForgotForm } }, async (request, reply) => {
    const email = (request.body?.email ?? '').trim().slice(0, 320)
    await throttleMailRequest(app.db, app.config, 'password_forgot', email, request.ip)
    const origin = originOf(request)
    // The answer must not tell a known address from an unknown one, by its page or
    // by its timing: the lookup, the link and the mail all happen after it, off
    // the request's path. Nothing is lost when they fail: the person asks again.
    void (async () => {
      const issued = await issueResetLink(
        app.db,
        email,
        app.config.publicUrl,
        fromPerson(origin, null, email),
        'password.reset_requested',
      )
      if (issued) void app.mailer.send(issued.email, resetMail(issued.name, issued.link))
    })().catch((error: unknown) => request.log.error({ err: error }, 'could not issue a password reset link'))
    return reply.page('passwords/forgot-sent', { ...FORGOT, email })
  })

  app.get('/password/reset', { schema: { querystring: TokenQuery } }, async (request, reply) => {
    const token = request.query.token ?? ''
    await usableLink(app.db, linkTokenHash(token), 'password_reset', app.config.now(), false)
    return reply.page('passwords/reset', { ...RESET, token, problem: undefined })
  })

  app.post('/password/reset', { schema: { body: ResetForm } }, async (request, reply) => {
    const token = request.body?.token ?? ''
    await countResetAttempt(app.db, app.config, request.ip)
    return redirectOrShowProblem(
      reply,
      async () => {
        const origin = originOf(request)
        const { userId } = await resetPassword(
          app.db,
          { tokenHash: linkTokenHash(token), password: request.body?.password ?? '' },
          (user) => fromPerson(origin, user.id, user.email),
          app.config.now(),
        )
        await refundResetAttempt(app.db, request.ip)
        request.log.info({ userId }, 'password reset through a mailed link')
        const user = await app.db
          .selectFrom('users')
          .select(['id', 'last_account_id'])
          .where('id', '=', userId)
          .executeTakeFirstOrThrow()
        const accountId = await landingAccountId(app.db, user)
        await startSession(reply, userId, accountId)
        return '/'
      },
      (r, problem) =>
        r.statusCode === 410
          ? r.page('error', { title: 'Gone', status: 410, message: problem })
          : r.page('passwords/reset', { ...RESET, token, problem }),
    )
  })
}
