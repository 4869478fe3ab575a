import type { Kysely, Transaction } from 'kysely'
import type { AuditContext } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import { grantAuthorization } from '../authorizations/service.js'
import type { Application, Database, Role } from '../db/schema.js'
import { randomSecret, sha256Hex } from '../security/secrets.js'
import { revoked } from '../tokens/revoke.js'

/** RFC 6749 4.1.2 recommends at most ten minutes; CONTRACT 4b says 60 seconds. */
export const CODE_LIFETIME_SECONDS = 60
// Used and expired codes are deleted by housekeeping (CODE_RETENTION_MS in housekeeping/sweep.ts).

export interface NewCode {
  application: Application
  accountId: number
  userId: number
  permission: Role
  /** The redirect_uri the client sent at /oauth/authorize, or '' (RFC 6749 4.1.3). */
  redirectUri: string
  codeChallenge: string
  /** OpenID Connect (CONTRACT 10): what the id token of this code says; absent outside the code flow's OIDC use. */
  identity?: {
    /** The identity scopes consented to, space-separated. */
    scopes: string
    nonce: string
    authTime: Date
    amr: string
  }
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
  return db.transaction().execute(async (trx) => {
    const authorization = await grantAuthorization(trx, {
      application: input.application,
      accountId: input.accountId,
      userId: input.userId,
      permission: input.permission,
      now,
    })
    const code = randomSecret(32)
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
        ...(input.identity
          ? {
              identity_scopes: input.identity.scopes,
              nonce: input.identity.nonce || null,
              auth_time: input.identity.authTime,
              amr: input.identity.amr,
            }
          : {}),
        expires_at: new Date(now.getTime() + CODE_LIFETIME_SECONDS * 1000),
      })
      .execute()
    await recordChange(trx, audit, {
      event: {
        accountId: input.accountId,
        action: 'authorization_code.issued',
        targetType: 'application',
        targetId: input.application.id,
        details: { name: input.application.name, permission: input.permission },
      },
      invalidate: revoked(authorization.narrowed),
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
