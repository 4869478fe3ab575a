import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

/** Which second factors a person has (CONTRACT 9): a confirmed TOTP factor, passkeys. */
export interface FactorSummary {
  totp: boolean
  passkeys: number
}

export async function factorsOf(db: Kysely<Database>, userId: number): Promise<FactorSummary> {
  const [totp, passkeys] = await Promise.all([
    db
      .selectFrom('totp_factors')
      .select('user_id')
      .where('user_id', '=', userId)
      .where('confirmed_at', 'is not', null)
      .executeTakeFirst(),
    db
      .selectFrom('passkeys')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow(),
  ])
  return { totp: totp !== undefined, passkeys: Number(passkeys.n) }
}

/** Whether the person has any second factor: what the account policy asks of members. */
export async function hasSecondFactor(db: Kysely<Database>, userId: number): Promise<boolean> {
  const factors = await factorsOf(db, userId)
  return factors.totp || factors.passkeys > 0
}
