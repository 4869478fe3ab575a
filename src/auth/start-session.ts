import type { FastifyReply } from 'fastify'
import { sessionCookieOptions } from '../http/session.js'
import { createSession, deleteSession, SESSION_COOKIE } from './sessions.js'

/**
 * Signs a person in on this browser: a new session id at every sign-in (no
 * fixation), the session the browser had before is ended, and the session
 * remembers the IP and browser it started from (the sessions page shows them).
 * Every way in uses it: sign-in, first set-up, activation, an accepted
 * invitation, a password reset.
 */
export async function startSession(
  reply: FastifyReply,
  userId: number,
  accountId: number | null,
  amr = 'pwd',
): Promise<void> {
  const { request, server: app } = reply
  const previous = request.cookies[SESSION_COOKIE]
  if (previous) await deleteSession(app.db, previous)
  const id = await createSession(
    app.db,
    userId,
    accountId,
    {
      now: app.config.now(),
      idleSeconds: app.config.sessionIdleSeconds,
      maxSeconds: app.config.sessionMaxSeconds,
    },
    { ip: request.ip, userAgent: String(request.headers['user-agent'] ?? ''), amr },
  )
  const secure = app.config.publicUrl.startsWith('https:')
  reply.setCookie(SESSION_COOKIE, id, sessionCookieOptions(secure, app.config.sessionMaxSeconds))
}
