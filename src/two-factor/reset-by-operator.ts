import type { Kysely } from 'kysely'
import { recordPersonChange } from '../audit/person-events.js'
import type { AuditContext } from '../audit/record.js'
import { deleteUserSessions } from '../auth/sessions.js'
import type { Database } from '../db/schema.js'
import { NotFoundError } from '../errors.js'
import { deletePasskeys } from '../passkeys/repo.js'
import { findUserByEmail } from '../users/repo.js'
import { deleteUserChallenges } from './challenges.js'
import { deleteRecoveryCodes, deleteTotpFactor } from './repo.js'

export interface ResetOutcome {
  userId: number
  totpRemoved: boolean
  recoveryCodesRemoved: number
  passkeysRemoved: number
  sessionsEnded: number
}

/**
 * `latchkey users reset-factors --email E` (CONTRACT 9): for a person who lost
 * every factor (or after SESSION_SECRET was replaced, when TOTP secrets can no
 * longer be opened). Removes the authenticator app, the recovery codes and the
 * passkeys, ends every session (a session of whoever holds the lost phone too),
 * audited `two_factor.reset_by_operator`. The person signs in with the password.
 */
export async function resetFactorsByOperator(
  db: Kysely<Database>,
  email: string,
  context: AuditContext,
): Promise<ResetOutcome> {
  return db.transaction().execute(async (trx) => {
    const user = await findUserByEmail(trx, email.trim())
    if (!user) throw new NotFoundError(`No user has the email ${email.trim()}.`)
    const totpRemoved = await deleteTotpFactor(trx, user.id)
    const recoveryCodesRemoved = await deleteRecoveryCodes(trx, user.id)
    const passkeysRemoved = await deletePasskeys(trx, user.id)
    await deleteUserChallenges(trx, user.id)
    const sessionsEnded = await deleteUserSessions(trx, user.id)
    const outcome = { userId: user.id, totpRemoved, recoveryCodesRemoved, passkeysRemoved, sessionsEnded }
    await recordPersonChange(trx, context, {
      userId: user.id,
      action: 'two_factor.reset_by_operator',
      details: {
        totp_removed: totpRemoved,
        recovery_codes_removed: recoveryCodesRemoved,
        passkeys_removed: passkeysRemoved,
        sessions_ended: sessionsEnded,
      },
    })
    return outcome
  })
}
