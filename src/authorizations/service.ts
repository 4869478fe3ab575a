import type { Kysely, Transaction } from 'kysely'
import { effectiveRole } from '../accounts/repo.js'
import { roleAtLeast } from '../accounts/roles.js'
import { type AuditContext, recordAudit } from '../audit/record.js'
import type { Application, Database, Role } from '../db/schema.js'
import { NotFoundError, PermissionError } from '../errors.js'
import { publishInvalidation } from '../invalidation/publish.js'
import { generateToken, hashToken, tokenHint } from '../tokens/format.js'

export interface Grant {
  authorizationId: number
  /** The application token, shown once. */
  token: string
  tokenId: number
  accountId: number
  permission: Role
}

/** Why an account cannot be chosen for an application, or undefined when it can. */
export function ineligibility(role: Role | undefined, requested: Role): string | undefined {
  if (!role) return 'You have no role on this account.'
  if (!roleAtLeast(role, requested)) return `Needs the ${requested} role; you have ${role}.`
  return undefined
}

export interface AuthorizeInput {
  application: Application
  accountId: number
  userId: number
  permission?: Role
  codeHash?: string
}

/**
 * "User U authorizes application A on account X with permission P": checks that
 * P is at most what the application asks for and at most the user's effective
 * role on X, records the authorization (one per application and account;
 * re-authorizing updates it), and issues an application token. Used by both
 * authorization flows; `codeHash` ties the token to an authorization code.
 */
export async function authorizeApplication(
  db: Kysely<Database>,
  input: AuthorizeInput,
  audit: AuditContext,
): Promise<Grant> {
  return db.transaction().execute((trx) => authorizeInTransaction(trx, input, audit))
}

/** authorizeApplication inside a transaction the caller holds (the token endpoint locks the code row in it). */
export async function authorizeInTransaction(
  trx: Transaction<Database>,
  input: AuthorizeInput,
  audit: AuditContext,
): Promise<Grant> {
  const permission = input.permission ?? input.application.permission
  if (!roleAtLeast(input.application.permission, permission)) {
    throw new PermissionError(`The application asks for at most ${input.application.permission}.`)
  }
  const role = await effectiveRole(trx, input.userId, input.accountId)
  const problem = ineligibility(role, permission)
  if (problem) throw new PermissionError(problem)
  const authorization = await upsertAuthorization(trx, {
    applicationId: input.application.id,
    accountId: input.accountId,
    userId: input.userId,
    permission,
  })
  const token = generateToken('application')
  const row = await trx
    .insertInto('tokens')
    .values({
      kind: 'application',
      token_hash: hashToken(token),
      hint: tokenHint(token),
      name: input.application.name,
      account_id: input.accountId,
      user_id: input.userId,
      application_id: input.application.id,
      authorization_id: authorization.id,
      code_hash: input.codeHash ?? null,
      permission,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(trx, audit, {
    accountId: input.accountId,
    action: 'application.authorized',
    targetType: 'application',
    targetId: input.application.id,
    details: { name: input.application.name, permission },
  })
  return {
    authorizationId: authorization.id,
    token,
    tokenId: row.id,
    accountId: input.accountId,
    permission,
  }
}

/** One authorization per application and account; re-authorizing updates who and with what permission. */
export async function upsertAuthorization(
  trx: Transaction<Database>,
  values: { applicationId: number; accountId: number; userId: number; permission: Role },
): Promise<{ id: number }> {
  return trx
    .insertInto('authorizations')
    .values({
      application_id: values.applicationId,
      account_id: values.accountId,
      user_id: values.userId,
      permission: values.permission,
    })
    .onConflict((oc) =>
      oc.columns(['application_id', 'account_id']).doUpdateSet({
        user_id: values.userId,
        permission: values.permission,
        updated_at: new Date(),
      }),
    )
    .returning('id')
    .executeTakeFirstOrThrow()
}

/**
 * Revokes an application's authorization on an account: the row goes, and every
 * token it produced goes with it (ON DELETE CASCADE); all instances are told in
 * the same transaction. Another account's authorization is simply not found.
 */
export async function revokeAuthorization(
  db: Kysely<Database>,
  input: { accountId: number; applicationId: number },
  audit: AuditContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const removed = await trx
      .deleteFrom('authorizations')
      .where('account_id', '=', input.accountId)
      .where('application_id', '=', input.applicationId)
      .returning('id')
      .executeTakeFirst()
    if (!removed) throw new NotFoundError('This application is not authorized on this account.')
    await publishInvalidation(trx, { type: 'authorization', id: removed.id })
    await recordAudit(trx, audit, {
      accountId: input.accountId,
      action: 'authorization.revoked',
      targetType: 'application',
      targetId: input.applicationId,
    })
  })
}
