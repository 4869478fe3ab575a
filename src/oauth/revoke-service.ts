import type { Kysely } from 'kysely'
import type { AuditContext } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Application, Database } from '../db/schema.js'
import { hashToken, parseToken } from '../tokens/format.js'
import { revoked, revokeTokens } from '../tokens/revoke.js'

/**
 * RFC 7009 revocation by the application the token was issued to. A token that
 * is unknown, malformed, already revoked or another application's is left
 * alone, and the caller cannot tell the difference (the endpoint answers 200).
 */
export async function revokeClientToken(
  db: Kysely<Database>,
  input: { application: Application; token: string; now: Date },
  audit: AuditContext,
): Promise<boolean> {
  if (parseToken(input.token) !== 'application') return false
  return db.transaction().execute(async (trx) => {
    const [row] = await revokeTokens(
      trx,
      { tokenHash: hashToken(input.token), kind: 'application', applicationId: input.application.id },
      input.now,
    )
    if (!row) return false
    await recordChange(trx, audit, {
      event: {
        accountId: row.account_id,
        action: 'application_token.revoked',
        targetType: 'token',
        targetId: row.id,
        details: { application_id: input.application.id, name: input.application.name },
      },
      invalidate: revoked([row]),
    })
    return true
  })
}
