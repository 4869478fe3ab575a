import type { Kysely, Transaction } from 'kysely'
import { requireAccess } from '../accounts/access.js'
import { effectiveRole } from '../accounts/repo.js'
import { roleAtLeast } from '../accounts/roles.js'
import { type AuditContext, changeTime } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Application, Database, Role } from '../db/schema.js'
import { NotFoundError, PermissionError } from '../errors.js'
import { accessTokenExpiry } from '../tokens/expiry.js'
import { issueToken } from '../tokens/issue.js'
import { type RevokedToken, revoked, revokeTokens } from '../tokens/revoke.js'
import { AUTHORIZATION_ACCESS, AUTHORIZATIONS_ADMIN_ONLY } from './access.js'
import { deleteAuthorization, upsertAuthorization } from './repo.js'

export interface Grant {
  authorizationId: number
  /** The application token, shown once. */
  token: string
  tokenId: number
  accountId: number
  permission: Role
  userId: number
  /** When the token expires (the application's access_token_lifetime), or null. */
  expiresAt: Date | null
}

/** Why an account cannot be chosen for an application, or undefined when it can. */
export function ineligibility(role: Role | undefined, requested: Role): string | undefined {
  if (!role) return 'You have no role on this account.'
  if (!roleAtLeast(role, requested)) return `Needs the ${requested} role; you have ${role}.`
  return undefined
}

/**
 * "User U authorizes application A on account X with permission P", the rule
 * both flows share: P is at most what the application asks for and at most the
 * user's effective role on X (read inside the transaction); the authorization is
 * recorded (one per application and account; re-authorizing updates it).
 *
 * One authorization, one truth (issue 11, item 8): re-authorizing with a lower
 * permission revokes the authorization's older tokens that are wider than P, so
 * none outlives what the Apps page shows. They are returned as `narrowed`; the
 * caller announces them (`revoked(narrowed)`) in the change it records, so every
 * instance drops them from its cache.
 */
export async function grantAuthorization(
  trx: Transaction<Database>,
  input: { application: Application; accountId: number; userId: number; permission: Role; now: Date },
): Promise<{ id: number; narrowed: RevokedToken[] }> {
  if (!roleAtLeast(input.application.permission, input.permission)) {
    throw new PermissionError(`The application asks for at most ${input.application.permission}.`)
  }
  const problem = ineligibility(await effectiveRole(trx, input.userId, input.accountId), input.permission)
  if (problem) throw new PermissionError(problem)
  const { id } = await upsertAuthorization(trx, {
    applicationId: input.application.id,
    accountId: input.accountId,
    userId: input.userId,
    permission: input.permission,
    now: input.now,
  })
  const narrowed = await revokeTokens(
    trx,
    { authorizationId: id, permissionAbove: input.permission },
    input.now,
  )
  return { id, narrowed }
}

export interface AuthorizeInput {
  application: Application
  accountId: number
  userId: number
  permission?: Role
  codeHash?: string
  /** The OpenID Connect scopes the token carries, space-separated (CONTRACT 10; /oauth/userinfo reads them). */
  scopes?: string
}

/**
 * Grants the authorization (see grantAuthorization) and issues an application
 * token under it. Used by both authorization flows; `codeHash` ties the token
 * to an authorization code.
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
  const now = changeTime(audit)
  const expiresAt = accessTokenExpiry(input.application, now)
  const authorization = await grantAuthorization(trx, {
    application: input.application,
    accountId: input.accountId,
    userId: input.userId,
    permission,
    now,
  })
  const issued = await issueToken(trx, {
    kind: 'application',
    name: input.application.name,
    accountId: input.accountId,
    userId: input.userId,
    applicationId: input.application.id,
    authorizationId: authorization.id,
    codeHash: input.codeHash ?? null,
    permission,
    ...(input.scopes ? { scopes: input.scopes } : {}),
    expiresAt,
  })
  await recordChange(trx, audit, {
    event: {
      accountId: input.accountId,
      action: 'application.authorized',
      targetType: 'application',
      targetId: input.application.id,
      details: {
        name: input.application.name,
        permission,
        ...(authorization.narrowed.length > 0 ? { wider_tokens_revoked: authorization.narrowed.length } : {}),
      },
    },
    invalidate: revoked(authorization.narrowed),
  })
  return {
    authorizationId: authorization.id,
    token: issued.token,
    tokenId: issued.id,
    accountId: input.accountId,
    permission,
    userId: input.userId,
    expiresAt,
  }
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
    await requireAccess(trx, audit, input.accountId, AUTHORIZATION_ACCESS.delete, AUTHORIZATIONS_ADMIN_ONLY)
    const removed = await deleteAuthorization(trx, input.accountId, input.applicationId)
    if (!removed) throw new NotFoundError('This application is not authorized on this account.')
    await recordChange(trx, audit, {
      event: {
        accountId: input.accountId,
        action: 'authorization.revoked',
        targetType: 'application',
        targetId: input.applicationId,
      },
      invalidate: [{ type: 'authorization', id: removed.id }],
    })
  })
}
