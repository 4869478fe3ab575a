import type { Kysely } from 'kysely'
import { recordPersonChange } from '../audit/person-events.js'
import type { AuditContext } from '../audit/record.js'
import { deleteUserSessions } from '../auth/sessions.js'
import type { Database } from '../db/schema.js'
import { hashNewPassword, storePasswordHash } from '../passwords/set-password.js'

/**
 * A signed-in user's new password (the current one already checked): every
 * other session of the user ends, the one that asked stays (CONTRACT 8).
 */
export async function changePassword(
  db: Kysely<Database>,
  input: { userId: number; sessionIdHash: string; password: string },
  context: AuditContext,
  now: Date,
): Promise<void> {
  const passwordHash = await hashNewPassword(input.password)
  await db.transaction().execute(async (trx) => {
    await storePasswordHash(trx, input.userId, passwordHash, now)
    const ended = await deleteUserSessions(trx, input.userId, input.sessionIdHash)
    await recordPersonChange(trx, context, {
      userId: input.userId,
      action: 'password.changed',
      details: { sessions_ended: ended },
    })
  })
}
