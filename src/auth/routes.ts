import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { originOf } from '../audit/context.js'
import { NotFoundError } from '../errors.js'
import { redirectOrShowProblem } from '../http/form-outcome.js'
import { listOfferedInvitations } from '../invitations/repo.js'
import { relyingParty } from '../passkeys/relying-party.js'
import { beginSecondStep } from '../two-factor/sign-in-routes.js'
import { countUsers } from '../users/repo.js'
import { setupFirstAdmin } from '../users/service.js'
import { attemptLogin } from './login.js'
import { safeNextPath } from './next-path.js'
import { deleteSession, SESSION_COOKIE } from './sessions.js'
import { startSession } from './start-session.js'

// Optional strings with no length limits of their own: what is missing or wrong is said on the form
// (setup's rules, or "Wrong email or password."), never as a bare 400.
const field = Type.Optional(Type.String())
const SetupForm = Type.Object({ email: field, name: field, password: field, account_name: field })
const LoginForm = Type.Object({ email: field, password: field, next: field })
const NextQuery = Type.Object({ next: field })
const SETUP_PAGE = { title: 'Set up Latchkey' }

/** The sign-in page offers "Sign in with a passkey" where passkeys work (not with an IP address in PUBLIC_URL). */
function loginPage(app: FastifyInstance) {
  return { title: 'Sign in', passkeysOffered: relyingParty(app.config.publicUrl) !== undefined }
}

/** /setup (first run), /login and /logout. */
export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', async (request, reply) => {
    if ((await countUsers(app.db)) === 0) return reply.redirect('/setup')
    if (!request.viewer) return reply.redirect('/login')
    // Invitations waiting for this address are answered here (CONTRACT 8).
    const invitations = await listOfferedInvitations(app.db, request.viewer.user.email, app.config.now())
    return reply.page('home', { title: 'Overview', invitations })
  })

  app.get('/setup', async (_request, reply) => {
    if ((await countUsers(app.db)) > 0) throw new NotFoundError('Latchkey is already set up.')
    return reply.page('setup', { ...SETUP_PAGE, form: {}, problem: undefined })
  })

  app.post('/setup', { schema: { body: SetupForm } }, async (request, reply) => {
    if ((await countUsers(app.db)) > 0) throw new NotFoundError('Latchkey is already set up.')
    const body = request.body ?? {}
    const form = { email: body.email ?? '', name: body.name ?? '', account_name: body.account_name ?? '' }
    return redirectOrShowProblem(
      reply,
      async () => {
        const { userId, accountId } = await setupFirstAdmin(
          app.db,
          { ...form, password: body.password ?? '', accountName: form.account_name },
          originOf(request),
        )
        request.log.info({ userId, accountId }, 'first admin set up')
        await startSession(reply, userId, accountId)
        return '/'
      },
      (r, problem) => r.page('setup', { ...SETUP_PAGE, form, problem }),
    )
  })

  app.get('/login', { schema: { querystring: NextQuery } }, async (request, reply) => {
    if ((await countUsers(app.db)) === 0) return reply.redirect('/setup')
    const next = safeNextPath(request.query.next, app.config.publicUrl)
    if (request.viewer) return reply.redirect(next)
    return reply.page('login', { ...loginPage(app), email: '', next, problem: undefined })
  })

  app.post('/login', { schema: { body: LoginForm } }, async (request, reply) => {
    const body = request.body ?? {}
    const email = (body.email ?? '').slice(0, 320)
    const next = safeNextPath(body.next, app.config.publicUrl)
    const result = await attemptLogin(
      app.db,
      app.config,
      { email, password: body.password ?? '' },
      originOf(request),
      app.metrics.logins,
    )
    if (!result.ok) {
      return reply
        .code(401)
        .page('login', { ...loginPage(app), email, next, problem: 'Wrong email or password.' })
    }
    // A person with an authenticator app gets no session yet: the code comes first (CONTRACT 9).
    if (result.secondStep) return beginSecondStep(reply, result, next)
    await startSession(reply, result.userId, result.accountId)
    return reply.redirect(next, 303)
  })

  app.post('/logout', async (request, reply) => {
    const raw = request.cookies[SESSION_COOKIE]
    if (raw) await deleteSession(app.db, raw)
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.redirect('/login', 303)
  })
}
