import type { Kysely } from 'kysely'
import type { Database, Role, User } from '../db/schema.js'

export function findUserByEmail(db: Kysely<Database>, email: string): Promise<User | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .executeTakeFirst()
}

/** Who made or granted something, as lists show them (joined as `u`). */
export interface UserSummary {
  id: number
  email: string
  name: string
}

export const USER_SUMMARY_COLUMNS = ['u.id as user_id', 'u.email', 'u.name as user_name'] as const

export function userSummary(row: { user_id: number; email: string; user_name: string }): UserSummary {
  return { id: row.user_id, email: row.email, name: row.user_name }
}

export function findUser(db: Kysely<Database>, id: number): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function countUsers(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export function insertUser(
  db: Kysely<Database>,
  values: { email: string; name: string; passwordHash: string },
): Promise<User> {
  return db
    .insertInto('users')
    .values({ email: values.email, name: values.name, password_hash: values.passwordHash })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/**
 * Grants or changes a role; a user has at most one membership row per account.
 * A change may lower the role: the caller records it with a `membership` invalidation.
 */
export async function upsertMembership(
  db: Kysely<Database>,
  values: { accountId: number; userId: number; role: Role },
): Promise<void> {
  await db
    .insertInto('memberships')
    .values({ account_id: values.accountId, user_id: values.userId, role: values.role })
    .onConflict((oc) => oc.columns(['account_id', 'user_id']).doUpdateSet({ role: values.role }))
    .execute()
}
