import type { Kysely } from 'kysely'
import { type AuditContext, recordAudit } from '../audit/record.js'
import type { Application, Database } from '../db/schema.js'
import { publishInvalidation } from '../invalidation/publish.js'
import { hashToken, parseToken } from '../tokens/format.js'

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
    const row = await trx
      .updateTable('tokens')
      .set({ revoked_at: input.now })
      .where('token_hash', '=', hashToken(input.token))
      .where('kind', '=', 'application')
      .where('application_id', '=', input.application.id)
      .where('revoked_at', 'is', null)
      .returning(['id', 'account_id'])
      .executeTakeFirst()
    if (!row) return false
    await publishInvalidation(trx, { type: 'token', id: row.id })
    await recordAudit(trx, audit, {
      accountId: row.account_id,
      action: 'application_token.revoked',
      targetType: 'token',
      targetId: row.id,
      details: { application_id: input.application.id, name: input.application.name },
    })
    return true
  })
}
