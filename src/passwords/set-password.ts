import type { Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import { BadRequestError } from '../errors.js'
import { hashPassword, passwordProblem } from '../security/passwords.js'
import { voidUserLinks } from './user-links.js'

/** Checks a new password with the rules of `/setup` and hashes it (argon2id, outside any transaction). */
export async function hashNewPassword(password: string): Promise<string> {
  const problem = passwordProblem(password)
  if (problem) throw new BadRequestError(problem)
  return hashPassword(password)
}

/**
 * Stores a user's new password hash. Every way of setting a password (reset,
 * change, operator) also voids the user's unused reset links: a link mailed
 * before the password changed must not undo the change.
 */
export async function storePasswordHash(
  trx: Transaction<Database>,
  userId: number,
  passwordHash: string,
  now: Date,
): Promise<void> {
  await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute()
  await voidUserLinks(trx, userId, 'password_reset', now)
}
