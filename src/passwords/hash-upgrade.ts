import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { hashNeedsUpgrade, hashPassword } from '../security/passwords.js'

/**
 * At a successful sign-in (the only moment the password is known), remakes a
 * hash made with older argon2 parameters with the configured ones (CONTRACT 8).
 * The update is conditional on the old hash, so a password changed meanwhile
 * is never overwritten.
 */
export async function upgradePasswordHash(
  db: Kysely<Database>,
  user: { id: number; password_hash: string },
  password: string,
): Promise<boolean> {
  if (!hashNeedsUpgrade(user.password_hash)) return false
  const upgraded = await hashPassword(password)
  const result = await db
    .updateTable('users')
    .set({ password_hash: upgraded })
    .where('id', '=', user.id)
    .where('password_hash', '=', user.password_hash)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}
