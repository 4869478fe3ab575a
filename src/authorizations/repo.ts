import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database, Role } from '../db/schema.js'
import { USER_SUMMARY_COLUMNS, type UserSummary, userSummary } from '../users/repo.js'

/** One row of the Apps page: an application authorized on the account, and what its tokens are doing. */
export interface AuthorizedApp {
  applicationId: number
  applicationName: string
  /** The account that owns the application (often another one). */
  ownerAccountId: number
  permission: Role
  authorizedBy: UserSummary
  authorizedAt: Date
  liveTokens: number
  lastUsedAt: Date | null
}

/**
 * The authorizations on one account (not its sub-accounts), newest first.
 * "When" is the latest authorization (re-authorizing updates the row); live
 * tokens are those neither revoked nor expired at `now`.
 */
export async function listAuthorizedApps(
  db: Kysely<Database>,
  accountId: number,
  now: Date,
): Promise<AuthorizedApp[]> {
  const rows = await db
    .selectFrom('authorizations as z')
    .innerJoin('applications as a', 'a.id', 'z.application_id')
    .innerJoin('users as u', 'u.id', 'z.user_id')
    .leftJoin('tokens as t', 't.authorization_id', 'z.id')
    .select([
      'z.application_id',
      'a.name as application_name',
      'a.account_id as owner_account_id',
      'z.permission',
      ...USER_SUMMARY_COLUMNS,
      'z.updated_at',
    ])
    .select((eb) => [
      sql<string>`count(t.id) FILTER (WHERE t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ${now}))`.as(
        'live_tokens',
      ),
      eb.fn.max('t.last_used_at').as('last_used_at'),
    ])
    .where('z.account_id', '=', accountId)
    .groupBy(['z.id', 'a.id', 'u.id'])
    .orderBy('z.updated_at', 'desc')
    .orderBy('z.id', 'desc')
    .execute()
  return rows.map((row) => ({
    applicationId: row.application_id,
    applicationName: row.application_name,
    ownerAccountId: row.owner_account_id,
    permission: row.permission,
    authorizedBy: userSummary(row),
    authorizedAt: row.updated_at,
    liveTokens: Number(row.live_tokens),
    lastUsedAt: row.last_used_at ? new Date(row.last_used_at) : null,
  }))
}

/**
 * One authorization per application and account; re-authorizing updates who
 * granted it and with what permission. `now` is the configured clock.
 */
export async function upsertAuthorization(
  trx: Transaction<Database>,
  values: { applicationId: number; accountId: number; userId: number; permission: Role; now: Date },
): Promise<{ id: number }> {
  return trx
    .insertInto('authorizations')
    .values({
      application_id: values.applicationId,
      account_id: values.accountId,
      user_id: values.userId,
      permission: values.permission,
      created_at: values.now,
      updated_at: values.now,
    })
    .onConflict((oc) =>
      oc.columns(['application_id', 'account_id']).doUpdateSet({
        user_id: values.userId,
        permission: values.permission,
        updated_at: values.now,
      }),
    )
    .returning('id')
    .executeTakeFirstOrThrow()
}

/** Deletes the application's authorization on the account; its tokens go with it (ON DELETE CASCADE). */
export function deleteAuthorization(
  trx: Transaction<Database>,
  accountId: number,
  applicationId: number,
): Promise<{ id: number } | undefined> {
  return trx
    .deleteFrom('authorizations')
    .where('account_id', '=', accountId)
    .where('application_id', '=', applicationId)
    .returning('id')
    .executeTakeFirst()
}
