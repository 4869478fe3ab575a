import type { Kysely } from 'kysely'
import { validateAccountName } from '../accounts/name.js'
import type { AuditOrigin } from '../audit/record.js'
import type { Database } from '../db/schema.js'
import { linkTokenHash, newLinkToken } from '../security/link-tokens.js'
import { hashPassword } from '../security/passwords.js'
import { validatePerson } from '../users/person.js'
import { findUserByEmail } from '../users/repo.js'
import { createAdminOfNewAccount } from '../users/service.js'
import { deletePendingSignup, lockPendingSignup, replacePendingSignup } from './repo.js'

/** An activation link works for 24 hours (CONTRACT 8). */
export const ACTIVATION_LIFETIME_MS = 24 * 3600 * 1000

export interface SignupInput {
  email: string
  name: string
  password: string
  accountName: string
}

/** The form's fields by the rules of /setup; throws a 400 naming the field, shown on the form. */
export function checkSignup(input: SignupInput): SignupInput {
  const person = validatePerson(input)
  return { ...person, accountName: validateAccountName(input.accountName, 'account_name') }
}

/** Who gets which mail: a new address its activation link, a registered one a notice (and nothing stored). */
export type SignupRequest =
  | { kind: 'new'; email: string; name: string; accountName: string; token: string }
  | { kind: 'known'; email: string }

/**
 * Records a sign-up without telling the caller's client anything: the password
 * is hashed whether or not the address is registered, so both cost the same
 * argon2 work, and the answer to the browser does not depend on the result.
 * Nothing goes into users, accounts or memberships until the link is followed.
 */
export async function requestSignup(
  db: Kysely<Database>,
  input: SignupInput,
  now: Date,
): Promise<SignupRequest> {
  const passwordHash = await hashPassword(input.password)
  const existing = await findUserByEmail(db, input.email)
  if (existing) return { kind: 'known', email: existing.email }
  const link = newLinkToken()
  await db.transaction().execute((trx) =>
    replacePendingSignup(trx, {
      tokenHash: link.hash,
      email: input.email,
      name: input.name,
      passwordHash,
      accountName: input.accountName,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ACTIVATION_LIFETIME_MS),
    }),
  )
  return {
    kind: 'new',
    email: input.email,
    name: input.name,
    accountName: input.accountName,
    token: link.token,
  }
}

/**
 * What following an activation link did. A used link and one that never existed
 * look the same (activation deletes the row, nothing remembers it).
 */
export type Activation =
  | { state: 'activated'; userId: number; accountId: number }
  | { state: 'unknown' }
  | { state: 'expired' }
  | { state: 'registered' }

/**
 * Activates a pending sign-up in one transaction: the row is locked and deleted
 * (so a second use, even a concurrent one, finds nothing) and the person, their
 * account and their admin membership are created with the audit event. An
 * expired link, or an address that got a user meanwhile (an invitation
 * accepted), changes nothing.
 */
export async function activateSignup(
  db: Kysely<Database>,
  token: unknown,
  now: Date,
  origin: AuditOrigin,
): Promise<Activation> {
  const hash = typeof token === 'string' ? linkTokenHash(token) : undefined
  if (!hash) return { state: 'unknown' }
  try {
    return await db.transaction().execute(async (trx): Promise<Activation> => {
      const pending = await lockPendingSignup(trx, hash)
      if (!pending) return { state: 'unknown' }
      if (pending.expiresAt.getTime() <= now.getTime()) return { state: 'expired' }
      if (await findUserByEmail(trx, pending.email)) return { state: 'registered' }
      await deletePendingSignup(trx, hash)
      const created = await createAdminOfNewAccount(trx, pending, origin, 'signup.activated')
      return { state: 'activated', ...created }
    })
  } catch (error) {
    // users_email_key: the address was registered by a transaction that committed after our check.
    if (isUniqueViolation(error)) return { state: 'registered' }
    throw error
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '23505'
}
