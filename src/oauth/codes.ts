import type { Kysely, Transaction } from 'kysely'
import { effectiveRole } from '../accounts/repo.js'
import { roleAtLeast } from '../accounts/roles.js'
import { type AuditContext, recordAudit } from '../audit/record.js'
import { ineligibility, upsertAuthorization } from '../authorizations/service.js'
import type { Application, Database, Role } from '../db/schema.js'
import { PermissionError } from '../errors.js'
import { publishInvalidation } from '../invalidation/publish.js'
import { randomSecret, sha256Hex } from '../security/secrets.js'

/** RFC 6749 4.1.2 recommends at most ten minutes; CONTRACT 4b says 60 seconds. */
export const CODE_LIFETIME_SECONDS = 60
// Used and expired codes are kept a day, so a late replay is still recognised as reuse.
const CODE_RETENTION_MS = 24 * 60 * 60 * 1000

export interface NewCode {
  application: Application
  accountId: number
  userId: number
  permission: Role
  /** The redirect_uri the client sent at /oauth/authorize, or '' (RFC 6749 4.1.3). */
  redirectUri: string
  codeChallenge: string
}

/**
 * The user allowed an OAuth client: checks eligibility, records the
 * authorization (the row the code and its token hang off), and stores a fresh
 * authorization code as a SHA-256 hash. Returns the code, which is never stored.
 */
export async function issueAuthorizationCode(
  db: Kysely<Database>,
  input: NewCode,
  now: Date,
  audit: AuditContext,
): Promise<string> {
  if (!roleAtLeast(input.application.permission, input.permission)) {
    throw new PermissionError(`The application asks for at most ${input.application.permission}.`)
  }
  return db.transaction().execute(async (trx) => {
    const problem = ineligibility(await effectiveRole(trx, input.userId, input.accountId), input.permission)
    if (problem) throw new PermissionError(problem)
    const authorization = await upsertAuthorization(trx, {
      applicationId: input.application.id,
      accountId: input.accountId,
      userId: input.userId,
      permission: input.permission,
    })
    const code = randomSecret(32)
    await trx
      .deleteFrom('authorization_codes')
      .where('expires_at', '<', new Date(now.getTime() - CODE_RETENTION_MS))
      .execute()
    await trx
      .insertInto('authorization_codes')
      .values({
        code_hash: sha256Hex(code),
        application_id: input.application.id,
        account_id: input.accountId,
        user_id: input.userId,
        authorization_id: authorization.id,
        permission: input.permission,
        redirect_uri: input.redirectUri,
        code_challenge: input.codeChallenge || null,
        expires_at: new Date(now.getTime() + CODE_LIFETIME_SECONDS * 1000),
      })
      .execute()
    await recordAudit(trx, audit, {
      accountId: input.accountId,
      action: 'authorization_code.issued',
      targetType: 'application',
      targetId: input.application.id,
      details: { name: input.application.name, permission: input.permission },
    })
    return code
  })
}

/** The code row, locked until the transaction ends, so two exchanges of one code run one after the other. */
export function lockCode(trx: Transaction<Database>, codeHash: string) {
  return trx
    .selectFrom('authorization_codes')
    .selectAll()
    .where('code_hash', '=', codeHash)
    .forUpdate()
    .executeTakeFirst()
}

export async function markCodeUsed(trx: Transaction<Database>, codeHash: string, now: Date): Promise<void> {
  await trx
    .updateTable('authorization_codes')
    .set({ used_at: now })
    .where('code_hash', '=', codeHash)
    .execute()
}

/** RFC 6749 4.1.2: a code used twice revokes the tokens issued from it; every instance is told. */
export async function revokeTokensFromCode(
  trx: Transaction<Database>,
  codeHash: string,
  now: Date,
): Promise<number[]> {
  const rows = await trx
    .updateTable('tokens')
    .set({ revoked_at: now })
    .where('code_hash', '=', codeHash)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute()
  for (const row of rows) await publishInvalidation(trx, { type: 'token', id: row.id })
  return rows.map((r) => r.id)
}
