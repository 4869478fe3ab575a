import type { Kysely, Transaction } from 'kysely'
import { recordPersonChange } from '../audit/person-events.js'
import type { AuditContext } from '../audit/record.js'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { BadRequestError, ConflictError } from '../errors.js'
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.js'
import {
  advanceLastStep,
  deleteRecoveryCodes,
  deleteTotpFactor,
  findTotpFactor,
  putPendingFactor,
  replaceRecoveryCodes,
} from './repo.js'
import { matchTotp, newTotpSecret, totpSealer } from './totp.js'
import { openSecret } from './verify-code.js'

/**
 * Setting up an authenticator app (CONTRACT 9): a pending factor with a fresh
 * sealed secret, which counts only once a code from the app confirms it; then
 * ten recovery codes, shown once. Every change is audited in the person's
 * history and their accounts' logs (audit/person-events.ts).
 */
export async function startTotpEnrolment(
  db: Kysely<Database>,
  config: Config,
  userId: number,
): Promise<void> {
  const sealed = totpSealer(config).seal(newTotpSecret())
  await db.transaction().execute(async (trx) => {
    if (!(await putPendingFactor(trx, userId, sealed, config.now()))) {
      throw new ConflictError('An authenticator app is already set up. Remove it first to set up another.')
    }
  })
}

/** The secret of a pending factor, to show while enrolling; undefined when none is pending. */
export async function pendingSecret(
  db: Kysely<Database>,
  config: Config,
  userId: number,
): Promise<string | undefined> {
  const factor = await findTotpFactor(db, userId)
  return factor && !factor.confirmed ? openSecret(config, factor.secretSealed) : undefined
}

/** Confirms the pending factor with a code from the app; returns the new recovery codes (shown once). */
export async function confirmTotpEnrolment(
  db: Kysely<Database>,
  config: Config,
  input: { userId: number; code: string },
  context: AuditContext,
): Promise<string[]> {
  const now = config.now()
  const secret = await pendingSecret(db, config, input.userId)
  if (secret === undefined) throw new ConflictError('There is no set-up to confirm. Start again.')
  const step = await matchTotp(secret, input.code, now, null)
  if (step === null) {
    throw new BadRequestError('That code is not right. Enter the 6-digit code your app shows now.')
  }
  return db.transaction().execute(async (trx) => {
    if (!(await advanceLastStep(trx, input.userId, step, { at: now }))) {
      throw new ConflictError('There is no set-up to confirm. Start again.')
    }
    await recordPersonChange(trx, context, { userId: input.userId, action: 'two_factor.totp_enabled' })
    return storeNewRecoveryCodes(trx, input.userId, context, now)
  })
}

/** A new set of recovery codes; the old set, used or not, stops working. Needs a confirmed factor. */
export async function regenerateRecoveryCodes(
  db: Kysely<Database>,
  config: Config,
  userId: number,
  context: AuditContext,
): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const factor = await findTotpFactor(trx, userId)
    if (!factor?.confirmed) throw new ConflictError('Set up an authenticator app first.')
    return storeNewRecoveryCodes(trx, userId, context, config.now())
  })
}

async function storeNewRecoveryCodes(
  trx: Transaction<Database>,
  userId: number,
  context: AuditContext,
  now: Date,
): Promise<string[]> {
  const codes = newRecoveryCodes()
  await replaceRecoveryCodes(
    trx,
    userId,
    codes.map((code) => recoveryCodeHash(code) as string),
    now,
  )
  await recordPersonChange(trx, context, { userId, action: 'two_factor.recovery_codes_generated' })
  return codes
}

/**
 * Removes the authenticator app and the recovery codes (the caller has checked
 * the password or a code). A pending set-up goes without an audit event: it
 * never counted.
 */
export async function removeTotp(db: Kysely<Database>, userId: number, context: AuditContext): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const factor = await findTotpFactor(trx, userId)
    if (!factor) throw new ConflictError('No authenticator app is set up.')
    await deleteTotpFactor(trx, userId)
    const codes = await deleteRecoveryCodes(trx, userId)
    if (factor.confirmed) {
      await recordPersonChange(trx, context, {
        userId,
        action: 'two_factor.totp_removed',
        details: { recovery_codes_removed: codes },
      })
    }
  })
}
