import type { Kysely } from 'kysely'
import { recordPersonChange } from '../audit/person-events.js'
import type { AuditContext } from '../audit/record.js'
import type { Database } from '../db/schema.js'
import { NotFoundError } from '../errors.js'
import { deletePasskey } from './repo.js'

/**
 * Removes one of the person's own passkeys (the current password already
 * checked); audited `passkey.removed`. Another person's passkey is a 404, as
 * if it did not exist.
 */
export async function removePasskey(
  db: Kysely<Database>,
  userId: number,
  passkeyId: number,
  context: AuditContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const name = await deletePasskey(trx, userId, passkeyId)
    if (name === undefined) throw new NotFoundError('No such passkey.')
    await recordPersonChange(trx, context, {
      userId,
      action: 'passkey.removed',
      details: { passkey_id: passkeyId, name },
    })
  })
}
