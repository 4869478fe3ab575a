import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { originOf } from '../audit/context.js'
import { startSession } from '../auth/start-session.js'
import { throttleMailRequest } from '../auth/throttle.js'
import type { Config } from '../config.js'
import { NotFoundError } from '../errors.js'
import { redirectOrShowProblem } from '../http/form-outcome.js'
import { signupMail } from './mails.js'
import { type Activation, activateSignup, checkSignup, requestSignup } from './service.js'

// As on /setup: optional strings, so what is missing or wrong is said on the form, never as a bare 400.
const field = Type.Optional(Type.String())
const SignupForm = Type.Object({ email: field, name: field, password: field, account_name: field })
// Any shape of token (missing, repeated, garbage) gets the "not valid" page, so the query takes anything.
const ActivateQuery = Type.Object({ token: Type.Optional(Type.Unknown()) })
const FORM_PAGE = { title: 'Create an account' }

/**
 * The page a link that cannot activate answers with, by what went wrong. A used
 * link is deleted with its activation, so it cannot be told from one that never
 * existed: both are 404. An expired one is 410 Gone (sign up again); an address
 * that was registered meanwhile (an invitation accepted) is 409, nothing created.
 */
const LINK_PROBLEMS: Record<Exclude<Activation['state'], 'activated'>, { status: number; title: string }> = {
  unknown: { status: 404, title: 'This activation link is not valid' },
  expired: { status: 410, title: 'This activation link has expired' },
  registered: { status: 409, title: 'This address already has an account' },
}

/**
 * With SIGNUP=invite (the default) sign-up does not exist: /signup and
 * /activate answer 404, so closing sign-up also voids links still pending.
 */
function requireOpenSignup(config: Config): void {
  if (config.signup !== 'open') throw new NotFoundError('Sign-up is by invitation only.')
}

/** Sign-up with an activation link (CONTRACT 8): GET/POST /signup and GET /activate. */
export const signupRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/signup', async (_request, reply) => {
    requireOpenSignup(app.config)
    return reply.page('signup/form', { ...FORM_PAGE, form: {}, problem: undefined })
  })

  app.post('/signup', { schema: { body: SignupForm } }, async (request, reply) => {
    requireOpenSignup(app.config)
    const body = request.body ?? {}
    const form = {
      email: (body.email ?? '').slice(0, 320),
      name: body.name ?? '',
      account_name: body.account_name ?? '',
    }
    // Every request counts, before any other work (a 429 page with Retry-After past the limit).
    await throttleMailRequest(app.db, app.config, 'signup', form.email, request.ip)
    return redirectOrShowProblem(
      reply,
      async () => {
        const input = checkSignup({ ...form, password: body.password ?? '', accountName: form.account_name })
        const outcome = await requestSignup(app.db, input, app.config.now())
        const mail = signupMail(app.config.publicUrl, outcome)
        // Not awaited: waiting on the mail server would make a known address answer at another pace.
        void app.mailer.send(mail.to, mail.content)
        return reply.page('signup/check-email', { title: 'Check your email', email: input.email })
      },
      (r, problem) => r.page('signup/form', { ...FORM_PAGE, form, problem }),
    )
  })

  app.get('/activate', { schema: { querystring: ActivateQuery } }, async (request, reply) => {
    requireOpenSignup(app.config)
    const outcome = await activateSignup(app.db, request.query.token, app.config.now(), originOf(request))
    if (outcome.state !== 'activated') {
      const problem = LINK_PROBLEMS[outcome.state]
      return reply.code(problem.status).page('signup/link-problem', { ...problem, state: outcome.state })
    }
    request.log.info({ userId: outcome.userId, accountId: outcome.accountId }, 'sign-up activated')
    await startSession(reply, outcome.userId, outcome.accountId)
    return reply.redirect('/', 303)
  })
}
