import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { originOf } from '../audit/context.js'
import { startSession } from '../auth/start-session.js'
import { createChallenge, findChallenge } from './challenges.js'
import { answerSecondStep, SECOND_STEP_SECONDS } from './second-step.js'

/** The raw id of the half-signed-in state; it opens /login/two-factor and nothing else. */
export const TWO_FACTOR_COOKIE = 'lk_two_factor'
const PATH = '/login/two-factor'
const PAGE = { title: 'Two-step sign-in' }
const CodeForm = Type.Object({ code: Type.Optional(Type.String()) })

function cookieOptions(reply: FastifyReply) {
  const secure = reply.server.config.publicUrl.startsWith('https:')
  return { path: PATH, httpOnly: true, sameSite: 'lax' as const, secure, maxAge: SECOND_STEP_SECONDS }
}

/**
 * After a correct password, for a person with an authenticator app: no session
 * yet, but a challenge (5 minutes) in the `lk_two_factor` cookie, and on to the
 * code page (CONTRACT 9). The session starts only when the code is right.
 */
export async function beginSecondStep(
  reply: FastifyReply,
  signIn: { userId: number; accountId: number | null },
  nextPath: string,
): Promise<FastifyReply> {
  const { db, config } = reply.server
  const raw = await createChallenge(db, {
    purpose: 'two_factor',
    userId: signIn.userId,
    accountId: signIn.accountId,
    nextPath,
    ttlSeconds: SECOND_STEP_SECONDS,
    now: config.now(),
  })
  reply.setCookie(TWO_FACTOR_COOKIE, raw, cookieOptions(reply))
  return reply.redirect(PATH, 303)
}

function signInAgain(reply: FastifyReply, problem: string) {
  reply.clearCookie(TWO_FACTOR_COOKIE, { path: PATH })
  return reply.code(401).page('login', { title: 'Sign in', email: '', next: '/', problem })
}

/** `/login/two-factor`: the code (TOTP or recovery) that finishes a password sign-in. */
export const twoFactorSignInRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const challengeOf = async (raw: string | undefined) => {
    const challenge = await findChallenge(app.db, raw, 'two_factor', app.config.now())
    return challenge?.userId ? { ...challenge, userId: challenge.userId } : undefined
  }

  app.get(PATH, async (request, reply) => {
    if (request.viewer) return reply.redirect('/')
    if (!(await challengeOf(request.cookies[TWO_FACTOR_COOKIE]))) {
      reply.clearCookie(TWO_FACTOR_COOKIE, { path: PATH })
      return reply.redirect('/login')
    }
    return reply.page('two-factor/sign-in', { ...PAGE, problem: undefined })
  })

  app.post(PATH, { schema: { body: CodeForm } }, async (request, reply) => {
    const challenge = await challengeOf(request.cookies[TWO_FACTOR_COOKIE])
    if (!challenge) return signInAgain(reply, 'Your sign-in took too long. Sign in again.')
    const outcome = await answerSecondStep(
      app.db,
      app.config,
      challenge,
      request.body?.code ?? '',
      originOf(request),
    )
    if (outcome.ok) {
      reply.clearCookie(TWO_FACTOR_COOKIE, { path: PATH })
      await startSession(reply, outcome.userId, outcome.accountId, 'pwd otp')
      request.log.info({ userId: outcome.userId }, 'signed in with a second factor')
      return reply.redirect(outcome.nextPath || '/', 303)
    }
    if (outcome.ended) return signInAgain(reply, 'Too many wrong codes. Sign in again.')
    return reply.code(401).page('two-factor/sign-in', { ...PAGE, problem: 'That code is not right.' })
  })
}
