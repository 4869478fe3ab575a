import type { Kysely } from 'kysely'
import type { AuditContext } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Database, TokenKind } from '../db/schema.js'
import { NotFoundError } from '../errors.js'
import { revoked, revokeTokens } from './revoke.js'

export interface OperatorRevocation {
  id: number
  kind: TokenKind
  accountId: number
  /** False when the token was already revoked: nothing changed, nothing is recorded. */
  changed: boolean
}

/**
 * `latchkey tokens revoke <id>` (CONTRACT 12): any token by its id, an API token
 * or an application token, through the one revoking UPDATE and `recordChange`,
 * so the account's audit log shows it and every instance's cache drops it.
 */
export async function revokeTokenByOperator(
  db: Kysely<Database>,
  tokenId: number,
  now: Date,
  audit: AuditContext,
): Promise<OperatorRevocation> {
  return db.transaction().execute(async (trx) => {
    const token = await trx
      .selectFrom('tokens')
      .select(['id', 'kind', 'account_id', 'application_id', 'revoked_at'])
      .where('id', '=', tokenId)
      .forUpdate()
      .executeTakeFirst()
    if (!token) throw new NotFoundError(`No token has the id ${tokenId}.`)
    const outcome = { id: token.id, kind: token.kind, accountId: token.account_id }
    const [row] = await revokeTokens(trx, { id: token.id }, now)
    if (!row) return { ...outcome, changed: false }
    const personal = token.kind === 'personal'
    await recordChange(trx, audit, {
      event: {
        accountId: row.account_id,
        action: personal ? 'api_token.revoked' : 'application_token.revoked',
        targetType: 'token',
        targetId: row.id,
        details: personal ? { name: row.name } : { application_id: token.application_id, name: row.name },
      },
      invalidate: revoked([row]),
    })
    return { ...outcome, changed: true }
  })
}
