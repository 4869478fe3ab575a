import type { FastifyInstance, FastifyReply } from 'fastify'
import { originOf } from '../audit/context.js'
import { BadRequestError, NotFoundError } from '../errors.js'
import { sessionCookieOptions } from '../http/session.js'
import { countUsers } from '../users/repo.js'
import { setupFirstAdmin } from '../users/service.js'
import { attemptLogin } from './login.js'
import { safeNextPath } from './next-path.js'
import { createSession, deleteSession, SESSION_COOKIE } from './sessions.js'

interface SetupForm {
  email?: string
  name?: string
  password?: string
  account_name?: string
}

interface LoginForm {
  email?: string
  password?: string
  next?: string
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '')

/** /setup (first run), /login and /logout. */
export async function authRoutes(app: FastifyInstance): Promise<void> {
  const secureCookie = app.config.publicUrl.startsWith('https:')

  /** A new session id at every login (no fixation); the old session is ended. */
  async function startSession(reply: FastifyReply, userId: number, accountId: number | null): Promise<void> {
    const previous = reply.request.cookies[SESSION_COOKIE]
    if (previous) await deleteSession(app.db, previous)
    const id = await createSession(app.db, userId, accountId, {
      now: app.config.now(),
      idleSeconds: app.config.sessionIdleSeconds,
      maxSeconds: app.config.sessionMaxSeconds,
    })
    reply.setCookie(SESSION_COOKIE, id, sessionCookieOptions(secureCookie, app.config.sessionMaxSeconds))
  }

  app.get('/', async (request, reply) => {
    if ((await countUsers(app.db)) === 0) return reply.redirect('/setup')
    if (!request.viewer) return reply.redirect('/login')
    return reply.page('home', { title: 'Overview' })
  })

  app.get('/setup', async (_request, reply) => {
    if ((await countUsers(app.db)) > 0) throw new NotFoundError('Latchkey is already set up.')
    return reply.page('setup', { title: 'Set up Latchkey', form: {}, problem: undefined })
  })

  app.post<{ Body: SetupForm }>('/setup', async (request, reply) => {
    if ((await countUsers(app.db)) > 0) throw new NotFoundError('Latchkey is already set up.')
    const body = request.body ?? {}
    const form = { email: text(body.email), name: text(body.name), account_name: text(body.account_name) }
    try {
      const { userId, accountId } = await setupFirstAdmin(
        app.db,
        { ...form, password: text(body.password), accountName: form.account_name },
        originOf(request),
      )
      request.log.info({ userId, accountId }, 'first admin set up')
      await startSession(reply, userId, accountId)
      return reply.redirect('/', 303)
    } catch (error) {
      if (!(error instanceof BadRequestError)) throw error
      return reply.code(400).page('setup', { title: 'Set up Latchkey', form, problem: error.message })
    }
  })

  app.get<{ Querystring: { next?: string } }>('/login', async (request, reply) => {
    if ((await countUsers(app.db)) === 0) return reply.redirect('/setup')
    const next = safeNextPath(request.query.next)
    if (request.viewer) return reply.redirect(next)
    return reply.page('login', { title: 'Sign in', email: '', next, problem: undefined })
  })

  app.post<{ Body: LoginForm }>('/login', async (request, reply) => {
    const body = request.body ?? {}
    const email = text(body.email).slice(0, 320)
    const next = safeNextPath(body.next)
    const result = await attemptLogin(
      app.db,
      app.config,
      { email, password: text(body.password) },
      originOf(request),
      app.metrics.logins,
    )
    if (!result.ok) {
      return reply
        .code(401)
        .page('login', { title: 'Sign in', email, next, problem: 'Wrong email or password.' })
    }
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
