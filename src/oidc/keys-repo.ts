import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../db/schema.js'

export interface SigningKeyRow {
  kid: string
  algorithm: string
  public_jwk: string
  private_jwk_sealed: string
  created_at: Date
  retired_at: Date | null
}

const COLUMNS = ['kid', 'algorithm', 'public_jwk', 'private_jwk_sealed', 'created_at', 'retired_at'] as const

/** Every unretired key, the signing one (newest) first. */
export function unretiredKeys(db: Kysely<Database>): Promise<SigningKeyRow[]> {
  return db
    .selectFrom('signing_keys')
    .select(COLUMNS)
    .where('retired_at', 'is', null)
    .orderBy('seq', 'desc')
    .execute()
}

/** Every key, retired or not, newest first. */
export function allKeys(db: Kysely<Database>): Promise<SigningKeyRow[]> {
  return db.selectFrom('signing_keys').select(COLUMNS).orderBy('seq', 'desc').execute()
}

export async function insertKey(
  trx: Transaction<Database>,
  key: Omit<SigningKeyRow, 'retired_at' | 'algorithm'>,
): Promise<void> {
  await trx.insertInto('signing_keys').values(key).execute()
}

export async function markRetired(trx: Transaction<Database>, kid: string, now: Date): Promise<boolean> {
  const result = await trx
    .updateTable('signing_keys')
    .set({ retired_at: now })
    .where('kid', '=', kid)
    .where('retired_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Serialises changes to the key set across instances: first start, `keys rotate` and `keys retire` take it. */
export async function lockKeys(trx: Transaction<Database>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('latchkey signing keys'))`.execute(trx)
}

/** The kids of the unretired keys, the signing one (newest) first. */
export async function unretiredKids(trx: Transaction<Database>): Promise<string[]> {
  const rows = await trx
    .selectFrom('signing_keys')
    .select('kid')
    .where('retired_at', 'is', null)
    .orderBy('seq', 'desc')
    .execute()
  return rows.map((row) => row.kid)
}
