import type { Kysely } from 'kysely'
import { recordPersonChange } from '../audit/person-events.js'
import type { AuditContext } from '../audit/record.js'
import type { Database } from '../db/schema.js'
import { NotFoundError } from '../errors.js'
import { deleteUserSession, deleteUserSessions } from './sessions.js'

// Sessions are looked up on every request and never cached, so ending one needs
// no invalidation: the next request with its cookie finds nothing.

/**
 * Ends one of the person's own sessions by its public number (CONTRACT 8). Another
 * person's session, or one already gone, is a 404 and is left alone. Returns
 * whether it was the session that asked (the caller then signs the browser out).
 */
export async function revokeOwnSession(
  db: Kysely<Database>,
  viewer: { userId: number; sessionIdHash: string },
  sessionId: number,
  context: AuditContext,
): Promise<{ wasCurrent: boolean }> {
  return db.transaction().execute(async (trx) => {
    const idHash = await deleteUserSession(trx, viewer.userId, sessionId)
    if (!idHash) throw new NotFoundError('No such session.')
    await recordPersonChange(trx, context, {
      userId: viewer.userId,
      action: 'session.revoked',
      details: { session_id: sessionId },
    })
    return { wasCurrent: idHash === viewer.sessionIdHash }
  })
}

/** "Sign out everywhere else": ends every session of the person but the one that asked. */
export async function revokeOtherSessions(
  db: Kysely<Database>,
  viewer: { userId: number; sessionIdHash: string },
  context: AuditContext,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const ended = await deleteUserSessions(trx, viewer.userId, viewer.sessionIdHash)
    await recordPersonChange(trx, context, {
      userId: viewer.userId,
      action: 'session.revoked_others',
      details: { sessions_ended: ended },
    })
    return ended
  })
}
