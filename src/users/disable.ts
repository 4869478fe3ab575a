import type { Kysely } from 'kysely'
import { recordPersonChange } from '../audit/person-events.js'
import { type AuditContext, changeTime } from '../audit/record.js'
import { deleteUserSessions } from '../auth/sessions.js'
import type { Database } from '../db/schema.js'
import { NotFoundError } from '../errors.js'
import { findUserByEmail } from './repo.js'

export interface DisableOutcome {
  userId: number
  /** False when the user already was in the state asked for (nothing recorded). */
  changed: boolean
  sessionsEnded: number
}

/**
 * `latchkey users disable|enable` (CONTRACT 8). Disabling stops sign-in (login.ts),
 * ends every session, and makes the user's tokens inactive on every instance
 * within 1 s: the `user` invalidation makes each validation cache drop them, and
 * validation then reads `disabled_at`. Enabling announces it too, so no cache
 * keeps the "disabled" it read. A session is never revived: an enabled user
 * signs in again. Running it twice changes nothing the second time.
 */
export async function setUserDisabled(
  db: Kysely<Database>,
  input: { email: string; disabled: boolean },
  context: AuditContext,
): Promise<DisableOutcome> {
  return db.transaction().execute(async (trx) => {
    const user = await findUserByEmail(trx, input.email.trim())
    if (!user) throw new NotFoundError(`No user has the email ${input.email.trim()}.`)
    const sessionsEnded = input.disabled ? await deleteUserSessions(trx, user.id) : 0
    if ((user.disabled_at !== null) === input.disabled) {
      return { userId: user.id, changed: false, sessionsEnded }
    }
    await trx
      .updateTable('users')
      .set({ disabled_at: input.disabled ? changeTime(context) : null })
      .where('id', '=', user.id)
      .execute()
    await recordPersonChange(trx, context, {
      userId: user.id,
      action: input.disabled ? 'user.disabled' : 'user.enabled',
      details: input.disabled ? { sessions_ended: sessionsEnded } : {},
      invalidate: [{ type: 'user', id: user.id }],
    })
    return { userId: user.id, changed: true, sessionsEnded }
  })
}
