import { type Kysely, sql, type Transaction } from 'kysely'
import { ancestorsCte, descendantsCte } from '../accounts/tree-sql.js'
import type { Database, Role } from '../db/schema.js'

export interface MemberRow {
  user_id: number
  name: string
  email: string
  disabled_at: Date | null
  role: Role
  created_at: Date
}

export interface InheritedMemberRow extends Omit<MemberRow, 'created_at'> {
  /** The ancestor account the role is held on. */
  from_account_id: number
  from_account_name: string
}

/** People with a role held directly on the account. */
export function listDirectMembers(db: Kysely<Database>, accountId: number): Promise<MemberRow[]> {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.user_id', 'u.name', 'u.email', 'u.disabled_at', 'm.role', 'm.created_at'])
    .where('m.account_id', '=', accountId)
    .orderBy((eb) => eb.fn('lower', ['u.name']))
    .orderBy('m.user_id')
    .execute()
}

/** People whose role comes from an ancestor account (a role there holds here too), nearest ancestor first. */
export async function listInheritedMembers(
  db: Kysely<Database>,
  accountId: number,
): Promise<InheritedMemberRow[]> {
  const { rows } = await sql<InheritedMemberRow>`
    WITH RECURSIVE ${ancestorsCte(accountId)}
    SELECT m.user_id, u.name, u.email, u.disabled_at, m.role,
           a.id AS from_account_id, a.name AS from_account_name
    FROM chain c
    JOIN accounts a ON a.id = c.id
    JOIN memberships m ON m.account_id = c.id
    JOIN users u ON u.id = m.user_id
    WHERE c.depth > 0
    ORDER BY c.depth, lower(u.name), m.user_id`.execute(db)
  return rows
}

export function findDirectMembership(
  db: Kysely<Database>,
  accountId: number,
  userId: number,
): Promise<MemberRow | undefined> {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.user_id', 'u.name', 'u.email', 'u.disabled_at', 'm.role', 'm.created_at'])
    .where('m.account_id', '=', accountId)
    .where('m.user_id', '=', userId)
    .executeTakeFirst()
}

/**
 * Locks the account and its ancestors (in id order, so concurrent callers
 * cannot deadlock) until the transaction ends: two admins removing each other
 * at the same moment are serialised, and the second sees the first's change.
 */
export async function lockAccountChain(trx: Transaction<Database>, accountId: number): Promise<void> {
  await sql`
    WITH RECURSIVE ${ancestorsCte(accountId)}
    SELECT a.id FROM accounts a WHERE a.id IN (SELECT id FROM chain) ORDER BY a.id FOR UPDATE`.execute(trx)
}

/**
 * Enabled users who would still be admin of the account without the given
 * user's direct membership on it: direct admins of the account, and admins of
 * any ancestor (the same user's admin role on an ancestor counts too).
 */
export async function countRemainingAdmins(
  db: Kysely<Database>,
  accountId: number,
  withoutUserId: number,
): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    WITH RECURSIVE ${ancestorsCte(accountId)}
    SELECT count(DISTINCT m.user_id)::int AS n
    FROM chain c
    JOIN memberships m ON m.account_id = c.id AND m.role = 'admin'
    JOIN users u ON u.id = m.user_id AND u.disabled_at IS NULL
    WHERE NOT (m.account_id = ${accountId} AND m.user_id = ${withoutUserId})`.execute(db)
  return Number(rows[0]?.n ?? 0)
}

export async function deleteMembership(
  db: Kysely<Database>,
  accountId: number,
  userId: number,
): Promise<void> {
  await db
    .deleteFrom('memberships')
    .where('account_id', '=', accountId)
    .where('user_id', '=', userId)
    .execute()
}

/**
 * The sub-accounts below the account where the user holds no role through any
 * membership on the way down to them (read after their membership on the account
 * is gone, and only meaningful when no ancestor gives them one).
 */
export async function subAccountsWithoutRole(
  trx: Transaction<Database>,
  accountId: number,
  userId: number,
): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    WITH RECURSIVE ${descendantsCte(accountId)}
    SELECT t.id FROM tree t
    WHERE NOT EXISTS (
      SELECT 1 FROM memberships m WHERE m.user_id = ${userId} AND m.account_id = ANY(t.path)
    )`.execute(trx)
  return rows.map((row) => row.id)
}
