import type { Kysely, Transaction } from 'kysely'
import { requireAccess } from '../accounts/access.js'
import { roleRank } from '../accounts/roles.js'
import type { AuditAction } from '../audit/actions.js'
import type { AuditContext } from '../audit/record.js'
import { type Change, recordChange } from '../audit/record-change.js'
import { type Application, type Database, ROLES } from '../db/schema.js'
import { BadRequestError, ConflictError, NotFoundError } from '../errors.js'
import type { Invalidation } from '../invalidation/publish.js'
import { APPLICATION_ACCESS, APPLICATION_DENIED } from './access.js'
import { generateClientSecret } from './client-secret.js'
import { type ApplicationInput, validateApplicationInput } from './input.js'
import {
  deleteApplication as deleteApplicationRow,
  findAccountApplication,
  findApplicationByName,
  insertApplication,
  narrowApplicationGrants,
  setClientSecretHash,
  updateApplication as updateApplicationRow,
} from './repo.js'

/** An application together with its client secret, which exists in clear only in this answer. */
export interface WithSecret {
  application: Application
  clientSecret: string
}

function duplicateName(name: string): ConflictError {
  return new ConflictError(`An application named "${name}" already exists in this account.`)
}

/** The unique index on (account_id, lower(name)) catches the race two concurrent requests could win. */
function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '23505'
}

async function assertNameFree(
  trx: Transaction<Database>,
  accountId: number,
  name: string,
  exceptId?: number,
): Promise<void> {
  if (await findApplicationByName(trx, accountId, name, exceptId)) throw duplicateName(name)
}

/**
 * The application a change is about, read in the change's transaction after the
 * actor's role is checked against APPLICATION_ACCESS; another account's id is not found.
 */
async function applicationToChange(
  trx: Transaction<Database>,
  audit: AuditContext,
  input: { accountId: number; id: number },
  action: 'change' | 'delete',
): Promise<Application> {
  await requireAccess(trx, audit, input.accountId, APPLICATION_ACCESS[action], APPLICATION_DENIED[action])
  const application = await findAccountApplication(trx, input.accountId, input.id)
  if (!application) throw new NotFoundError('No such application.')
  return application
}

/** A change to one application, as recordChange takes it; the event names the application by id and name. */
function applicationChange(
  application: Pick<Application, 'id' | 'account_id' | 'name'>,
  action: AuditAction,
  invalidate: Invalidation[],
  details: Record<string, unknown> = {},
): Change {
  return {
    event: {
      accountId: application.account_id,
      action,
      targetType: 'application',
      targetId: application.id,
      details: { name: application.name, ...details },
    },
    invalidate,
  }
}

/**
 * `redirect_url` given alone (a client that knows one redirect URL, CONTRACT 10):
 * it becomes the first, the others stay; '' removes the first.
 */
function withFirstRedirect(current: readonly string[], first: string | undefined): string[] {
  if (first === undefined) return [...current]
  const rest = current.slice(1).filter((url) => url !== first)
  return first ? [first, ...rest] : rest
}

/** One application of the account; another account's id is not found (never "forbidden"). */
export async function getApplication(
  db: Kysely<Database>,
  accountId: number,
  id: number,
): Promise<Application> {
  const application = await findAccountApplication(db, accountId, id)
  if (!application) throw new NotFoundError('No such application.')
  return application
}

/** Registers an application on the account; its client secret is returned once and stored only as SHA-256. */
export async function createApplication(
  db: Kysely<Database>,
  input: { accountId: number; userId: number | null; fields: ApplicationInput },
  audit: AuditContext,
): Promise<WithSecret> {
  const { firstRedirectUrl, ...changes } = validateApplicationInput(input.fields)
  if (changes.name === undefined) throw new BadRequestError('name must be 1 to 100 characters')
  if (changes.permission === undefined)
    throw new BadRequestError(`permission must be one of ${ROLES.join(', ')}`)
  const { name, permission } = changes
  const { secret, hash } = generateClientSecret()
  try {
    return await db.transaction().execute(async (trx) => {
      await requireAccess(trx, audit, input.accountId, APPLICATION_ACCESS.create, APPLICATION_DENIED.create)
      await assertNameFree(trx, input.accountId, name)
      const application = await insertApplication(trx, {
        accountId: input.accountId,
        name,
        description: changes.description ?? '',
        url: changes.url ?? '',
        redirectUrls: changes.redirect_urls ?? withFirstRedirect([], firstRedirectUrl),
        permission,
        clientSecretHash: hash,
        createdBy: input.userId,
        accessTokenLifetime: changes.access_token_lifetime ?? null,
      })
      await recordChange(
        trx,
        audit,
        applicationChange(application, 'application.created', [], {
          permission,
          redirect_urls: application.redirect_urls,
        }),
      )
      return { application, clientSecret: secret }
    })
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(name)
    throw error
  }
}

/**
 * Changes the given fields. Lowering the permission an application asks for
 * also lowers what it was already granted, so its tokens narrow at once.
 */
export async function updateApplication(
  db: Kysely<Database>,
  input: { accountId: number; id: number; fields: ApplicationInput; now: Date },
  audit: AuditContext,
): Promise<Application> {
  const { firstRedirectUrl, ...changes } = validateApplicationInput(input.fields)
  try {
    return await db.transaction().execute(async (trx) => {
      const before = await applicationToChange(trx, audit, input, 'change')
      if (firstRedirectUrl !== undefined)
        changes.redirect_urls = withFirstRedirect(before.redirect_urls, firstRedirectUrl)
      if (changes.name !== undefined) await assertNameFree(trx, input.accountId, changes.name, input.id)
      const after = await updateApplicationRow(trx, input.accountId, input.id, changes, input.now)
      if (!after) throw new NotFoundError('No such application.')
      const invalidate: Invalidation[] = []
      if (roleRank(after.permission) < roleRank(before.permission)) {
        await narrowApplicationGrants(trx, after.id, after.permission, input.now)
        invalidate.push({ type: 'application', id: after.id })
      }
      const changed = Object.fromEntries(
        Object.entries(changes).filter(
          ([key, value]) => JSON.stringify(before[key as keyof typeof changes]) !== JSON.stringify(value),
        ),
      )
      await recordChange(trx, audit, applicationChange(after, 'application.updated', invalidate, { changed }))
      return after
    })
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(changes.name ?? '')
    throw error
  }
}

/** Deletes the application; its authorizations, codes and tokens go with it (ON DELETE CASCADE). */
export async function deleteApplication(
  db: Kysely<Database>,
  input: { accountId: number; id: number },
  audit: AuditContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const application = await applicationToChange(trx, audit, input, 'delete')
    if (!(await deleteApplicationRow(trx, input.accountId, input.id)))
      throw new NotFoundError('No such application.')
    await recordChange(
      trx,
      audit,
      applicationChange(application, 'application.deleted', [{ type: 'application', id: application.id }]),
    )
  })
}

/**
 * Replaces the client secret; the old one stops working at once. Announced as a
 * `client_secret` change: instances forget the old secret's verified credentials
 * (the introspection caller cache), while the application's tokens stay valid and
 * stay cached (an `application` change would evict them everywhere).
 */
export async function regenerateClientSecret(
  db: Kysely<Database>,
  input: { accountId: number; id: number; now: Date },
  audit: AuditContext,
): Promise<WithSecret> {
  const { secret, hash } = generateClientSecret()
  return db.transaction().execute(async (trx) => {
    const application = await applicationToChange(trx, audit, input, 'change')
    await setClientSecretHash(trx, application.id, hash, input.now)
    await recordChange(
      trx,
      audit,
      applicationChange(application, 'application.secret_regenerated', [
        { type: 'client_secret', id: application.id },
      ]),
    )
    return {
      application: { ...application, client_secret_hash: hash, updated_at: input.now },
      clientSecret: secret,
    }
  })
}
