import { type Kysely, sql } from 'kysely'
import type { Application, Database, Role } from '../db/schema.js'

export interface NewApplication {
  accountId: number
  name: string
  description: string
  url: string
  redirectUrls: string[]
  permission: Role
  clientSecretHash: string
  createdBy: number | null
  /** Absent: tokens do not expire. */
  accessTokenLifetime?: number | null
}

export type ApplicationChanges = Partial<
  Pick<Application, 'name' | 'description' | 'url' | 'redirect_urls' | 'permission' | 'access_token_lifetime'>
>

export function insertApplication(db: Kysely<Database>, values: NewApplication): Promise<Application> {
  return db
    .insertInto('applications')
    .values({
      account_id: values.accountId,
      name: values.name,
      description: values.description,
      url: values.url,
      redirect_urls: values.redirectUrls,
      permission: values.permission,
      client_secret_hash: values.clientSecretHash,
      created_by: values.createdBy,
      access_token_lifetime: values.accessTokenLifetime ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Any account's application (the authorization flow and OAuth clients look applications up by id alone). */
export function findApplication(db: Kysely<Database>, id: number): Promise<Application | undefined> {
  return db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst()
}

/** An application of one account; another account's id is simply not found. */
export function findAccountApplication(
  db: Kysely<Database>,
  accountId: number,
  id: number,
): Promise<Application | undefined> {
  return db
    .selectFrom('applications')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst()
}

export function listApplications(db: Kysely<Database>, accountId: number): Promise<Application[]> {
  return db.selectFrom('applications').selectAll().where('account_id', '=', accountId).orderBy('id').execute()
}

export function updateApplication(
  db: Kysely<Database>,
  accountId: number,
  id: number,
  changes: ApplicationChanges,
  now: Date,
): Promise<Application | undefined> {
  return db
    .updateTable('applications')
    .set({ ...changes, updated_at: now })
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .returningAll()
    .executeTakeFirst()
}

/** Deletes an application; its authorizations, codes and tokens go with it (ON DELETE CASCADE). */
export async function deleteApplication(
  db: Kysely<Database>,
  accountId: number,
  id: number,
): Promise<boolean> {
  const result = await db
    .deleteFrom('applications')
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

export async function setClientSecretHash(
  db: Kysely<Database>,
  id: number,
  hash: string,
  now: Date,
): Promise<void> {
  await db
    .updateTable('applications')
    .set({ client_secret_hash: hash, updated_at: now })
    .where('id', '=', id)
    .execute()
}

/** Another application of the account with the same name, ignoring case (names are unique that way). */
export function findApplicationByName(
  db: Kysely<Database>,
  accountId: number,
  name: string,
  exceptId?: number,
): Promise<Pick<Application, 'id'> | undefined> {
  let query = db
    .selectFrom('applications')
    .select('id')
    .where('account_id', '=', accountId)
    .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()))
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId)
  return query.executeTakeFirst()
}

/**
 * Lowers every authorization and token of the application that holds more than
 * `permission` to it (when an application comes to ask for less, what it was
 * already granted shrinks too). Returns how many rows changed.
 */
export async function narrowApplicationGrants(
  db: Kysely<Database>,
  applicationId: number,
  permission: Role,
  now: Date,
): Promise<number> {
  const narrowed = await db
    .updateTable('authorizations')
    .set({ permission, updated_at: now })
    .where('application_id', '=', applicationId)
    .where('permission', '>', permission)
    .executeTakeFirst()
  const tokens = await db
    .updateTable('tokens')
    .set({ permission })
    .where('application_id', '=', applicationId)
    .where('permission', '>', permission)
    .executeTakeFirst()
  return Number(narrowed.numUpdatedRows) + Number(tokens.numUpdatedRows)
}

/** `redirect_origins(redirect_urls)` (migration 0007, GIN-indexed) holds the CORS origin key. */
const listsOrigin = (origin: string) =>
  sql<boolean>`redirect_origins(redirect_urls) @> ARRAY[${origin}]::text[]`

/** Whether any application registers a redirect URL on this origin (a CORS preflight names no client). */
export async function isAnyRedirectOrigin(db: Kysely<Database>, origin: string): Promise<boolean> {
  const row = await db
    .selectFrom('applications')
    .select('id')
    .where(listsOrigin(origin))
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** Whether the application registers a redirect URL on this origin. */
export async function isApplicationRedirectOrigin(
  db: Kysely<Database>,
  applicationId: number,
  origin: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('applications')
    .select('id')
    .where('id', '=', applicationId)
    .where(listsOrigin(origin))
    .executeTakeFirst()
  return row !== undefined
}
