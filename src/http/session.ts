import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { type AccessibleAccount, accessibleAccounts } from '../accounts/repo.js'
import { roleAtLeast } from '../accounts/roles.js'
import { findLiveSession, SESSION_COOKIE, type SessionRow, touchSession } from '../auth/sessions.js'
import type { Role } from '../db/schema.js'
import { ForbiddenError } from '../errors.js'
import { hasSecondFactor } from '../two-factor/has-factor.js'

/** The signed-in person as page routes see them. */
export interface Viewer {
  sessionIdHash: string
  user: SessionRow['user']
  /** Every account the user can act on, with the effective role on each. */
  accounts: AccessibleAccount[]
  /** The current account; undefined when the user has no account at all. */
  account: AccessibleAccount | undefined
  /** How this session signed in (`pwd`, `pwd otp`, `hwk`…; CONTRACT 9). */
  amr: string
  /** When the person last proved who they are: sign-in or step-up. */
  authenticatedAt: Date
  /**
   * The person has no second factor though an account they can act on requires one
   * (CONTRACT 9): those accounts' pages send them to enrol (account-security/gate.ts).
   */
  factorMissing: boolean
}

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer | null
  }
}

// last_seen_at is written at most this often per session, not on every page view.
const TOUCH_INTERVAL_MS = 60_000

export function sessionCookieOptions(secure: boolean, maxAgeSeconds: number) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure, maxAge: maxAgeSeconds }
}

/** Loads the viewer from the session cookie for every route in the scope it is registered in. */
export const sessionLoader = fp(async (app: FastifyInstance) => {
  app.decorateRequest('viewer', null)
  app.addHook('onRequest', async (request) => {
    const raw = request.cookies[SESSION_COOKIE]
    if (!raw || raw.length > 200) return
    const { config, db } = app
    const now = config.now()
    const times = { now, idleSeconds: config.sessionIdleSeconds, maxSeconds: config.sessionMaxSeconds }
    const session = await findLiveSession(db, raw, times)
    if (!session) return
    if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS)
      await touchSession(db, session.idHash, now)
    const accounts = await accessibleAccounts(db, session.userId)
    const account = accounts.find((a) => a.id === session.currentAccountId) ?? accounts[0]
    // Asked only of members of an account under the policy.
    const factorMissing =
      accounts.some((a) => a.requires_two_factor) && !(await hasSecondFactor(db, session.userId))
    request.viewer = {
      sessionIdHash: session.idHash,
      user: session.user,
      accounts,
      account,
      amr: session.amr,
      authenticatedAt: session.authenticatedAt,
      factorMissing,
    }
  })
})

export function loginRedirect(request: FastifyRequest): string {
  return `/login?next=${encodeURIComponent(request.url)}`
}

/** preHandler: pages behind login send anonymous visitors to /login and back. */
export async function requireViewer(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.viewer) return
  await reply.redirect(request.method === 'GET' ? loginRedirect(request) : '/login', 303)
}

/** The signed-in viewer with a current account; call after requireViewer. */
export function viewerOf(request: FastifyRequest): Viewer & { account: AccessibleAccount } {
  const viewer = request.viewer
  if (!viewer?.account) {
    throw new ForbiddenError('You are not a member of any account. Ask an account admin to add you.')
  }
  return viewer as Viewer & { account: AccessibleAccount }
}

/** preHandler factory: the viewer's effective role on the current account must be at least `role`. */
export function requireRole(role: Role, message?: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!request.viewer) return requireViewer(request, reply)
    const { account } = viewerOf(request)
    if (!roleAtLeast(account.role, role)) {
      throw new ForbiddenError(message ?? `This page needs the ${role} role on ${account.name}.`)
    }
  }
}
