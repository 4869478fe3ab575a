import type { Kysely } from 'kysely'
import { fromPerson } from '../audit/context.js'
import { recordPersonChange } from '../audit/person-events.js'
import type { AuditContext } from '../audit/record.js'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { recoveryCodeHash } from './recovery-codes.js'
import { advanceLastStep, findTotpFactor, resealSecret, useRecoveryCode } from './repo.js'
import { matchTotp, totpCodeOf, totpSealer } from './totp.js'

/**
 * Checks a second-factor code of a person (CONTRACT 9): a TOTP code of their
 * confirmed factor, accepted once (its step must be later than the last one
 * accepted; the step is stored with a conditional UPDATE, so two requests with
 * one code cannot both pass), or one of their unused recovery codes (marked used
 * just as atomically, audited `two_factor.recovery_code_used`). Says which kind
 * of code passed, or null. Throttling is the caller's: this counts nothing.
 *
 * `audit` is who used a recovery code, from where; without it the event names
 * the person, with no address (a caller with a request passes `fromViewer` or
 * `fromPerson`).
 */
export async function verifySecondFactorCode(
  db: Kysely<Database>,
  config: Config,
  userId: number,
  code: string,
  audit?: AuditContext,
): Promise<'otp' | 'recovery' | null> {
  const now = config.now()
  if (totpCodeOf(code)) {
    const factor = await findTotpFactor(db, userId)
    if (!factor?.confirmed) return null
    const secret = openSecret(config, factor.secretSealed)
    if (secret === undefined) return null
    const step = await matchTotp(secret, code, now, factor.lastStep)
    if (step === null || !(await advanceLastStep(db, userId, step))) return null
    // Sealed under an older SESSION_SECRET still listed: sealed again under the
    // first, so the old secret can later be dropped from the list.
    const sealer = totpSealer(config)
    if (!sealer.isSealedWithCurrent(factor.secretSealed)) {
      await resealSecret(db, userId, factor.secretSealed, sealer.seal(secret))
    }
    return 'otp'
  }
  const codeHash = recoveryCodeHash(code)
  if (!codeHash) return null
  return db.transaction().execute(async (trx) => {
    if (!(await useRecoveryCode(trx, userId, codeHash, now))) return null
    const context = audit ?? fromPerson({ ip: '', userAgent: '', at: now }, userId, `user ${userId}`)
    await recordPersonChange(trx, context, { userId, action: 'two_factor.recovery_code_used' })
    return 'recovery' as const
  })
}

/**
 * The factor's secret, or undefined when it cannot be opened: it was sealed
 * under a SESSION_SECRET that is no longer listed. Then no TOTP code can pass;
 * the person signs in with a recovery code, or an operator resets the factors.
 */
export function openSecret(config: Config, sealed: string): string | undefined {
  try {
    return totpSealer(config).open(sealed)
  } catch {
    return undefined
  }
}
