import type { Kysely } from 'kysely'
import { fromCli } from '../audit/context.js'
import type { AuditContext } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Database } from '../db/schema.js'
import { markServiceRevoked } from './repo.js'

/**
 * Revokes a service credential; running instances forget its verified
 * credentials (they may run elsewhere: NOTIFY). Services belong to no account,
 * so the event is recorded without one. False when no live service has the id.
 */
export async function revokeService(
  db: Kysely<Database>,
  id: number,
  now: Date,
  audit: AuditContext = fromCli(now),
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (!(await markServiceRevoked(trx, id, now))) return false
    await recordChange(trx, audit, {
      event: { accountId: null, action: 'service.revoked', targetType: 'service', targetId: id },
      invalidate: [{ type: 'service', id }],
    })
    return true
  })
}
