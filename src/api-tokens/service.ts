import type { Kysely } from 'kysely'
import { requireAccess } from '../accounts/access.js'
import { effectiveRole } from '../accounts/repo.js'
import { roleAtLeast } from '../accounts/roles.js'
import type { AuditContext } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Database, Role } from '../db/schema.js'
import { BadRequestError, NotFoundError, PermissionError } from '../errors.js'
import { issueToken } from '../tokens/issue.js'
import { revoked, revokeTokens } from '../tokens/revoke.js'
import { API_TOKEN_ACCESS, API_TOKENS_ADMIN_ONLY } from './access.js'

export interface CreatedApiToken {
  id: number
  /** Shown once, never stored. */
  token: string
  hint: string
  name: string
  permission: Role
  expiresAt: Date | null
}

/**
 * Mints a personal API token for `userId` on `accountId`. Its permission can
 * never exceed the creator's own effective role there (checked again at every
 * use, so a later demotion narrows the token too), nor `maxPermission`, the
 * effective permission of whatever is asking (a session, or an API token).
 */
export async function createApiToken(
  db: Kysely<Database>,
  input: {
    accountId: number
    userId: number
    name: string
    permission: Role
    expiresAt: Date | null
    maxPermission?: Role
  },
  audit: AuditContext,
): Promise<CreatedApiToken> {
  const name = input.name.trim()
  if (name.length < 1 || name.length > 100) throw new BadRequestError('name must be 1 to 100 characters')
  if (input.maxPermission && !roleAtLeast(input.maxPermission, input.permission)) {
    throw new PermissionError(
      `A token cannot have more permission than the one creating it (${input.maxPermission}).`,
      { required: input.permission, permission: input.maxPermission },
    )
  }
  return db.transaction().execute(async (trx) => {
    await requireAccess(trx, audit, input.accountId, API_TOKEN_ACCESS.create, API_TOKENS_ADMIN_ONLY)
    const role = await effectiveRole(trx, input.userId, input.accountId)
    if (!roleAtLeast(role, input.permission)) {
      throw new PermissionError(`A token cannot have more permission than its creator (${role ?? 'none'}).`, {
        required: input.permission,
        permission: role ?? 'none',
      })
    }
    const issued = await issueToken(trx, {
      kind: 'personal',
      name,
      accountId: input.accountId,
      userId: input.userId,
      permission: input.permission,
      expiresAt: input.expiresAt,
    })
    await recordChange(trx, audit, {
      event: {
        accountId: input.accountId,
        action: 'api_token.created',
        targetType: 'token',
        targetId: issued.id,
        details: { name, permission: input.permission, expires_at: input.expiresAt?.toISOString() ?? null },
      },
      invalidate: [],
    })
    return {
      id: issued.id,
      token: issued.token,
      hint: issued.hint,
      name,
      permission: input.permission,
      expiresAt: input.expiresAt,
    }
  })
}

/** Revokes a personal token of the account; another account's token is not found. */
export async function revokeApiToken(
  db: Kysely<Database>,
  input: { accountId: number; tokenId: number; now: Date },
  audit: AuditContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await requireAccess(trx, audit, input.accountId, API_TOKEN_ACCESS.delete, API_TOKENS_ADMIN_ONLY)
    const [row] = await revokeTokens(
      trx,
      { id: input.tokenId, accountId: input.accountId, kind: 'personal' },
      input.now,
    )
    if (!row) throw new NotFoundError('No such API token.')
    await recordChange(trx, audit, {
      event: {
        accountId: input.accountId,
        action: 'api_token.revoked',
        targetType: 'token',
        targetId: row.id,
        details: { name: row.name },
      },
      invalidate: revoked([row]),
    })
  })
}
