import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'

type Db = Kysely<Database> | Transaction<Database>

export interface TotpFactorRow {
  secretSealed: string
  confirmed: boolean
  lastStep: number | null
}

export async function findTotpFactor(db: Db, userId: number): Promise<TotpFactorRow | undefined> {
  const row = await db
    .selectFrom('totp_factors')
    .select(['secret_sealed', 'confirmed_at', 'last_step'])
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return (
    row && { secretSealed: row.secret_sealed, confirmed: row.confirmed_at !== null, lastStep: row.last_step }
  )
}

/** A new pending factor, replacing a pending one; a confirmed factor stays (false comes back). */
export async function putPendingFactor(
  trx: Transaction<Database>,
  userId: number,
  secretSealed: string,
  now: Date,
): Promise<boolean> {
  const row = await trx
    .insertInto('totp_factors')
    .values({ user_id: userId, secret_sealed: secretSealed, confirmed_at: null, created_at: now })
    .onConflict((oc) =>
      oc
        .column('user_id')
        .doUpdateSet({ secret_sealed: secretSealed, created_at: now, last_step: null })
        .where('totp_factors.confirmed_at', 'is', null),
    )
    .returning('user_id')
    .executeTakeFirst()
  return row !== undefined
}

/**
 * Moves the factor's last accepted step forward to `step`, only if it is later
 * than the one stored: of two requests with the same code, one updates the row
 * and the other finds it already moved, so a code is accepted once. With
 * `confirm`, the pending factor (and only a pending one) becomes confirmed.
 */
export async function advanceLastStep(
  db: Db,
  userId: number,
  step: number,
  confirm?: { at: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('totp_factors')
    .set({ last_step: step, ...(confirm ? { confirmed_at: confirm.at } : {}) })
    .where('user_id', '=', userId)
    .where('confirmed_at', confirm ? 'is' : 'is not', null)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Replaces the sealed secret with the same secret sealed under the current key, unless it changed meanwhile. */
export async function resealSecret(db: Db, userId: number, before: string, after: string): Promise<void> {
  await db
    .updateTable('totp_factors')
    .set({ secret_sealed: after })
    .where('user_id', '=', userId)
    .where('secret_sealed', '=', before)
    .execute()
}

export async function deleteTotpFactor(trx: Transaction<Database>, userId: number): Promise<boolean> {
  const result = await trx.deleteFrom('totp_factors').where('user_id', '=', userId).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** Replaces the person's recovery codes with a new set (the old ones, used or not, are gone). */
export async function replaceRecoveryCodes(
  trx: Transaction<Database>,
  userId: number,
  codeHashes: readonly string[],
  now: Date,
): Promise<void> {
  await deleteRecoveryCodes(trx, userId)
  await trx
    .insertInto('recovery_codes')
    .values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash, used_at: null, created_at: now })))
    .execute()
}

export async function deleteRecoveryCodes(trx: Transaction<Database>, userId: number): Promise<number> {
  const result = await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** Marks an unused code used; of two requests with the same code, only one gets true. */
export async function useRecoveryCode(
  trx: Transaction<Database>,
  userId: number,
  codeHash: string,
  now: Date,
): Promise<boolean> {
  const result = await trx
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

export async function countUnusedRecoveryCodes(db: Db, userId: number): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
