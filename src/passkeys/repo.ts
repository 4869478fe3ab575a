import type { Kysely, Selectable, Transaction } from 'kysely'
import type { Database, PasskeysTable } from '../db/schema.js'

export type PasskeyRow = Selectable<PasskeysTable>

/** A person's passkeys, the newest first. */
export async function listPasskeys(db: Kysely<Database>, userId: number): Promise<PasskeyRow[]> {
  return db
    .selectFrom('passkeys')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute()
}

/** A passkey with what a sign-in needs of its owner. */
export type OwnedPasskey = PasskeyRow & { email: string; disabled_at: Date | null }

export async function findPasskeyByCredentialId(
  db: Kysely<Database>,
  credentialId: string,
): Promise<OwnedPasskey | undefined> {
  return db
    .selectFrom('passkeys as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .selectAll('p')
    .select(['u.email', 'u.disabled_at'])
    .where('p.credential_id', '=', credentialId)
    .executeTakeFirst()
}

export interface NewPasskey {
  userId: number
  credentialId: string
  publicKey: string
  signCount: number
  transports: string
  backedUp: boolean
  name: string
}

export async function insertPasskey(db: Kysely<Database>, passkey: NewPasskey, now: Date): Promise<number> {
  const row = await db
    .insertInto('passkeys')
    .values({
      user_id: passkey.userId,
      credential_id: passkey.credentialId,
      public_key: passkey.publicKey,
      sign_count: passkey.signCount,
      transports: passkey.transports,
      backed_up: passkey.backedUp,
      name: passkey.name,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/**
 * Records a use: the new sign counter, whether the credential is backed up now,
 * the time. Conditional on the counter read before verifying, so two uses with
 * one counter value cannot both pass. False when another use came first.
 */
export async function recordPasskeyUse(
  db: Kysely<Database>,
  passkey: { id: number; signCount: number },
  use: { signCount: number; backedUp: boolean },
  now: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({ sign_count: use.signCount, backed_up: use.backedUp, last_used_at: now })
    .where('id', '=', passkey.id)
    .where('sign_count', '=', passkey.signCount)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Deletes one of a person's passkeys; another person's matches nothing. Returns its name. */
export async function deletePasskey(
  db: Kysely<Database>,
  userId: number,
  passkeyId: number,
): Promise<string | undefined> {
  const row = await db
    .deleteFrom('passkeys')
    .where('user_id', '=', userId)
    .where('id', '=', passkeyId)
    .returning('name')
    .executeTakeFirst()
  return row?.name
}

/** Every passkey of the person (the operator's reset; the passkeys page removes one at a time). */
export async function deletePasskeys(trx: Transaction<Database>, userId: number): Promise<number> {
  const result = await trx.deleteFrom('passkeys').where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows)
}
