import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { fromViewer } from '../audit/context.js'
import { amrLabel } from '../auth/amr.js'
import { revokeOtherSessions, revokeOwnSession } from '../auth/revoke-sessions.js'
import { listUserSessions, SESSION_COOKIE } from '../auth/sessions.js'
import { recentSignIns } from '../auth/sign-in-history.js'
import { displayTime } from '../http/display.js'
import { noticeFor } from '../http/form-outcome.js'
import { IdParams, NoticeQuery } from '../http/schemas.js'
import { requireViewer } from '../http/session.js'
import { browserName } from './browser-name.js'

const SESSIONS_PATH = '/settings/profile/sessions'

const NOTICES: Record<string, string> = {
  revoked: 'The session was ended; that browser is signed out.',
  revoked_others: 'Every other session was ended; only this browser is still signed in.',
}

/** The viewer as the session services need them; requireViewer has run. */
function signedIn(request: FastifyRequest): { userId: number; sessionIdHash: string } {
  const viewer = request.viewer
  if (!viewer) throw new Error('requireViewer must run first')
  return { userId: viewer.user.id, sessionIdHash: viewer.sessionIdHash }
}

/**
 * The sessions page (CONTRACT 8) for any signed-in person, with or without an
 * account: their live sessions, ending one or all the others, and their recent
 * sign-ins (issue 11, item 4).
 */
export const sessionsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    SESSIONS_PATH,
    { preHandler: requireViewer, schema: { querystring: NoticeQuery } },
    async (request, reply) => {
      const { userId, sessionIdHash } = signedIn(request)
      const { config } = app
      const times = {
        now: config.now(),
        idleSeconds: config.sessionIdleSeconds,
        maxSeconds: config.sessionMaxSeconds,
      }
      const sessions = await listUserSessions(app.db, userId, sessionIdHash, times)
      const signIns = await recentSignIns(app.db, userId)
      return reply.page('profile/sessions', {
        title: 'Sessions',
        notice: noticeFor(NOTICES, request.query.notice),
        sessions: sessions.map((s) => ({
          id: s.id,
          current: s.current,
          created: displayTime(s.createdAt),
          lastSeen: displayTime(s.lastSeenAt),
          ip: s.ip,
          browser: browserName(s.userAgent),
          method: amrLabel(s.amr),
        })),
        signIns: signIns.map((s) => ({
          at: displayTime(s.at),
          ip: s.ip,
          browser: browserName(s.userAgent),
          result: s.result,
        })),
      })
    },
  )

  app.post(
    `${SESSIONS_PATH}/:id/revoke`,
    { preHandler: requireViewer, schema: { params: IdParams } },
    async (request, reply) => {
      const { wasCurrent } = await revokeOwnSession(
        app.db,
        signedIn(request),
        request.params.id,
        fromViewer(request),
      )
      if (wasCurrent) {
        // Ending the session this browser uses is signing out.
        reply.clearCookie(SESSION_COOKIE, { path: '/' })
        return reply.redirect('/login', 303)
      }
      return reply.redirect(`${SESSIONS_PATH}?notice=revoked`, 303)
    },
  )

  app.post(`${SESSIONS_PATH}/revoke-others`, { preHandler: requireViewer }, async (request, reply) => {
    const ended = await revokeOtherSessions(app.db, signedIn(request), fromViewer(request))
    request.log.info({ ended }, 'other sessions ended')
    return reply.redirect(`${SESSIONS_PATH}?notice=revoked_others`, 303)
  })
}
