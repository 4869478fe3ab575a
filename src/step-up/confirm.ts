import type { Kysely } from 'kysely'
import { recordPersonChange } from '../audit/person-events.js'
import type { AuditContext } from '../audit/record.js'
import { markAuthenticated } from '../auth/sessions.js'
import type { Database } from '../db/schema.js'

/**
 * A confirmed step-up (CONTRACT 9): the session counts as just signed in, so the
 * listed actions go on without asking again for ten minutes; audited as
 * `step_up.confirmed` with the way it was confirmed, in the person's own history
 * and their accounts' logs.
 */
export async function confirmStepUp(
  db: Kysely<Database>,
  input: { userId: number; sessionIdHash: string; amr: string; now: Date },
  context: AuditContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await markAuthenticated(trx, input.sessionIdHash, input.now)
    await recordPersonChange(trx, context, {
      userId: input.userId,
      action: 'step_up.confirmed',
      details: { method: input.amr },
    })
  })
}
