import { sql, type Transaction } from 'kysely'
import type { Database } from '../db/schema.js'

export interface PendingSignup {
  tokenHash: string
  email: string
  name: string
  passwordHash: string
  accountName: string
  createdAt: Date
  expiresAt: Date
}

/**
 * Stores a pending sign-up and voids every earlier one for the same address
 * (compared case-insensitively), so only the newest link can activate. The
 * advisory lock on the address serialises two sign-ups for it that arrive
 * together; without it both could delete nothing and both insert.
 */
export async function replacePendingSignup(trx: Transaction<Database>, signup: PendingSignup): Promise<void> {
  const email = signup.email.toLowerCase()
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`signup:${email}`}))`.execute(trx)
  await trx
    .deleteFrom('signups')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email))
    .execute()
  await trx
    .insertInto('signups')
    .values({
      token_hash: signup.tokenHash,
      email: signup.email,
      name: signup.name,
      password_hash: signup.passwordHash,
      account_name: signup.accountName,
      created_at: signup.createdAt,
      expires_at: signup.expiresAt,
    })
    .execute()
}

/** The pending sign-up behind a link, locked until the transaction ends (a concurrent activation waits, then finds it gone). */
export async function lockPendingSignup(
  trx: Transaction<Database>,
  tokenHash: string,
): Promise<PendingSignup | undefined> {
  const row = await trx
    .selectFrom('signups')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .forUpdate()
    .executeTakeFirst()
  if (!row) return undefined
  return {
    tokenHash: row.token_hash,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    accountName: row.account_name,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  }
}

export async function deletePendingSignup(trx: Transaction<Database>, tokenHash: string): Promise<void> {
  await trx.deleteFrom('signups').where('token_hash', '=', tokenHash).execute()
}
