import { type Kysely, sql } from 'kysely'
import { ancestorsCte, descendantsCte } from '../accounts/tree-sql.js'
import type { Database } from '../db/schema.js'

export interface SubAccountRow {
  id: number
  parent_id: number
  name: string
  created_at: Date
  /** 1 for a child of the root, 2 for a grandchild, … */
  depth: number
  members: number
  applications: number
}

/** Every descendant of the root, depth first (each account followed by its own sub-accounts). */
export async function listSubAccounts(
  db: Kysely<Database>,
  rootId: number,
  onlyId?: number,
): Promise<SubAccountRow[]> {
  const { rows } = await sql<SubAccountRow>`
    WITH RECURSIVE ${descendantsCte(rootId)}
    SELECT t.id, t.parent_id, t.name, t.created_at, t.depth,
           (SELECT count(*) FROM memberships m WHERE m.account_id = t.id)::int AS members,
           (SELECT count(*) FROM applications p WHERE p.account_id = t.id)::int AS applications
    FROM tree t
    ${onlyId === undefined ? sql`` : sql`WHERE t.id = ${onlyId}`}
    ORDER BY t.path`.execute(db)
  return rows
}

/** A descendant of the root, or undefined (another account's id, the root itself, or no such id). */
export async function findSubAccount(
  db: Kysely<Database>,
  rootId: number,
  id: number,
): Promise<SubAccountRow | undefined> {
  return (await listSubAccounts(db, rootId, id))[0]
}

/** How many ancestors the account has (0 for a top-level account). */
export async function accountDepth(db: Kysely<Database>, accountId: number): Promise<number> {
  const { rows } = await sql<{ depth: number }>`
    WITH RECURSIVE ${ancestorsCte(accountId)}
    SELECT max(depth)::int AS depth FROM chain`.execute(db)
  return Number(rows[0]?.depth ?? 0)
}

export interface DeletionImpact {
  /** The account and all its descendants. */
  accountIds: number[]
  /** Applications owned by any of them (their authorizations elsewhere go too). */
  applicationIds: number[]
  memberships: number
  authorizations: number
  liveTokens: number
}

/** What deleting the account takes with it (ON DELETE CASCADE), for the confirmation and the invalidation. */
export async function deletionImpact(
  db: Kysely<Database>,
  accountId: number,
  now: Date,
): Promise<DeletionImpact> {
  const accountIds = [accountId, ...(await listSubAccounts(db, accountId)).map((row) => row.id)]
  const applications = await db
    .selectFrom('applications')
    .select('id')
    .where('account_id', 'in', accountIds)
    .execute()
  const applicationIds = applications.map((a) => a.id)
  const count = (n: { n: number | string | bigint }) => Number(n.n)
  const memberships = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', 'in', accountIds)
    .executeTakeFirstOrThrow()
  const authorizations = await db
    .selectFrom('authorizations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) =>
      applicationIds.length > 0
        ? eb.or([eb('account_id', 'in', accountIds), eb('application_id', 'in', applicationIds)])
        : eb('account_id', 'in', accountIds),
    )
    .executeTakeFirstOrThrow()
  const tokens = await db
    .selectFrom('tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) =>
      applicationIds.length > 0
        ? eb.or([eb('account_id', 'in', accountIds), eb('application_id', 'in', applicationIds)])
        : eb('account_id', 'in', accountIds),
    )
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirstOrThrow()
  return {
    accountIds,
    applicationIds,
    memberships: count(memberships),
    authorizations: count(authorizations),
    liveTokens: count(tokens),
  }
}

export async function renameAccount(db: Kysely<Database>, id: number, name: string): Promise<void> {
  await db.updateTable('accounts').set({ name }).where('id', '=', id).execute()
}

/** Deletes the account; its descendants and everything hanging off them go by ON DELETE CASCADE. */
export async function deleteAccount(db: Kysely<Database>, id: number): Promise<void> {
  await db.deleteFrom('accounts').where('id', '=', id).execute()
}
