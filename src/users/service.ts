import { type Kysely, sql } from 'kysely'
import { createAccount, findAccount } from '../accounts/repo.js'
import { type AuditContext, recordAudit } from '../audit/record.js'
import type { Database, Role } from '../db/schema.js'
import { BadRequestError, NotFoundError } from '../errors.js'
import { hashPassword, passwordProblem } from '../security/passwords.js'
import { findUserByEmail, insertUser, upsertMembership } from './repo.js'

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export interface NewPerson {
  email: string
  name: string
  password: string
}

/** Normalises and checks a new user's fields; throws a 400 naming the field. */
export function validatePerson(input: NewPerson): NewPerson {
  const email = input.email.trim()
  const name = input.name.trim()
  if (!EMAIL.test(email) || email.length > 320)
    throw new BadRequestError('email must be a valid email address')
  if (name.length < 1 || name.length > 200) throw new BadRequestError('name must be 1 to 200 characters')
  const problem = passwordProblem(input.password)
  if (problem) throw new BadRequestError(problem)
  return { email, name, password: input.password }
}

export function validateAccountName(raw: string): string {
  const name = raw.trim()
  if (name.length < 1 || name.length > 200)
    throw new BadRequestError('account_name must be 1 to 200 characters')
  return name
}

/**
 * First run: creates the first user as admin of a new top-level account. Refused
 * once any user exists; the table lock makes two concurrent set-ups safe.
 */
export async function setupFirstAdmin(
  db: Kysely<Database>,
  input: NewPerson & { accountName: string },
  audit: Omit<AuditContext, 'actorUserId' | 'actorLabel'>,
): Promise<{ userId: number; accountId: number }> {
  const person = validatePerson(input)
  const accountName = validateAccountName(input.accountName)
  const passwordHash = await hashPassword(person.password)
  return db.transaction().execute(async (trx) => {
    await sql`LOCK TABLE users IN EXCLUSIVE MODE`.execute(trx)
    const existing = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst()
    if (existing) throw new NotFoundError('Latchkey is already set up.')
    const user = await insertUser(trx, { email: person.email, name: person.name, passwordHash })
    const account = await createAccount(trx, { name: accountName })
    await upsertMembership(trx, { accountId: account.id, userId: user.id, role: 'admin' })
    const context = { ...audit, actorUserId: user.id, actorLabel: user.email }
    await recordAudit(trx, context, {
      accountId: account.id,
      action: 'setup.completed',
      targetType: 'user',
      targetId: user.id,
    })
    return { userId: user.id, accountId: account.id }
  })
}

export type AccountChoice = { newAccountName: string } | { accountId: number }

/**
 * Creates a user (or finds an existing one by email) and gives them a role on a
 * new top-level account or an existing one. An existing user keeps their password.
 */
export async function addUserWithRole(
  db: Kysely<Database>,
  input: { email: string; name: string; password: string | undefined; role: Role; account: AccountChoice },
  audit: AuditContext,
): Promise<{ userId: number; accountId: number; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    let user = await findUserByEmail(trx, input.email.trim())
    const created = !user
    if (!user) {
      const person = validatePerson({ email: input.email, name: input.name, password: input.password ?? '' })
      user = await insertUser(trx, {
        email: person.email,
        name: person.name,
        passwordHash: await hashPassword(person.password),
      })
    }
    let accountId: number
    if ('accountId' in input.account) {
      const account = await findAccount(trx, input.account.accountId)
      if (!account) throw new NotFoundError(`account ${input.account.accountId} does not exist`)
      accountId = account.id
    } else {
      accountId = (await createAccount(trx, { name: validateAccountName(input.account.newAccountName) })).id
    }
    await upsertMembership(trx, { accountId, userId: user.id, role: input.role })
    await recordAudit(trx, audit, {
      accountId,
      action: created ? 'user.created' : 'membership.granted',
      targetType: 'user',
      targetId: user.id,
      details: { email: user.email, role: input.role },
    })
    return { userId: user.id, accountId, created }
  })
}
