import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import { randomSecret, sha256Hex } from '../security/secrets.js'

export interface ServiceView {
  id: number
  name: string
  created_at: string
  revoked_at: string | null
}

/** Creates a service credential; the secret is returned once and only its SHA-256 is kept. */
export async function createService(
  db: Kysely<Database>,
  name: string,
): Promise<{ id: number; secret: string }> {
  const secret = `lks_${randomSecret(32)}`
  const row = await db
    .insertInto('services')
    .values({ name, secret_hash: sha256Hex(secret) })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { id: row.id, secret }
}

export async function listServices(db: Kysely<Database>): Promise<ServiceView[]> {
  const rows = await db
    .selectFrom('services')
    .select(['id', 'name', 'created_at', 'revoked_at'])
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    created_at: r.created_at.toISOString(),
    revoked_at: r.revoked_at?.toISOString() ?? null,
  }))
}

/** Marks a live service revoked; false when there was none. */
export async function markServiceRevoked(
  trx: Transaction<Database>,
  id: number,
  now: Date,
): Promise<boolean> {
  const result = await trx
    .updateTable('services')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}
