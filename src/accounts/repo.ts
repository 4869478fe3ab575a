import { type Kysely, sql } from 'kysely'
import type { Account, Database, Role } from '../db/schema.js'
import { ancestorsCte } from './tree-sql.js'

export interface AccessibleAccount {
  id: number
  name: string
  parent_id: number | null
  /** The user's effective role here: the highest held on this account or an ancestor. */
  role: Role
  /** Members need a second factor here: this account or an ancestor requires one (CONTRACT 9). */
  requires_two_factor: boolean
}

export async function createAccount(
  db: Kysely<Database>,
  values: { name: string; parentId?: number | null },
): Promise<Account> {
  return db
    .insertInto('accounts')
    .values({ name: values.name, parent_id: values.parentId ?? null })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export function findAccount(db: Kysely<Database>, id: number): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst()
}

/**
 * The user's effective role on an account: the highest role held on the account
 * or any of its ancestors (CONTRACT section 1). Undefined when there is none or
 * the user is disabled.
 */
export async function effectiveRole(
  db: Kysely<Database>,
  userId: number,
  accountId: number,
): Promise<Role | undefined> {
  const { rows } = await sql<{ role: Role | null }>`
    WITH RECURSIVE ${ancestorsCte(accountId)}
    SELECT max(m.role) AS role
    FROM memberships m
    JOIN chain c ON c.id = m.account_id
    JOIN users u ON u.id = m.user_id AND u.disabled_at IS NULL
    WHERE m.user_id = ${userId}`.execute(db)
  return rows[0]?.role ?? undefined
}

/**
 * Every account the user can act on (memberships and all their descendants), with
 * the effective role and whether the account policy asks for a second factor there
 * (set on the account or any ancestor, CONTRACT 9): `up` walks from each membership
 * to the root for the policy above it, `reach` down the tree, in one statement.
 */
export async function accessibleAccounts(db: Kysely<Database>, userId: number): Promise<AccessibleAccount[]> {
  const { rows } = await sql<AccessibleAccount>`
    WITH RECURSIVE up (start, parent_id, guarded, depth) AS (
      SELECT a.id, a.parent_id, a.require_two_factor, 0 FROM memberships m
      JOIN accounts a ON a.id = m.account_id
      WHERE m.user_id = ${userId}
      UNION ALL
      SELECT up.start, a.parent_id, a.require_two_factor, up.depth + 1
      FROM accounts a JOIN up ON a.id = up.parent_id WHERE up.depth < 64
    ),
    reach (id, role, depth, guarded) AS (
      SELECT m.account_id, m.role, 0, (SELECT bool_or(up.guarded) FROM up WHERE up.start = m.account_id)
      FROM memberships m
      JOIN users u ON u.id = m.user_id AND u.disabled_at IS NULL
      WHERE m.user_id = ${userId}
      UNION ALL
      SELECT a.id, r.role, r.depth + 1, r.guarded OR a.require_two_factor
      FROM accounts a JOIN reach r ON a.parent_id = r.id WHERE r.depth < 64
    )
    SELECT a.id, a.name, a.parent_id, max(r.role) AS role, coalesce(bool_or(r.guarded), false) AS requires_two_factor
    FROM reach r JOIN accounts a ON a.id = r.id
    GROUP BY a.id, a.name, a.parent_id
    ORDER BY a.id`.execute(db)
  return rows
}
