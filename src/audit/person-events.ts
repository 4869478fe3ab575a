import type { Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Invalidation } from '../invalidation/publish.js'
import type { AuditAction } from './actions.js'
import type { AuditContext } from './record.js'
import { recordChange } from './record-change.js'

export interface PersonChange {
  userId: number
  action: AuditAction
  details?: Record<string, unknown>
  invalidate?: readonly Invalidation[]
}

/**
 * Records a change to a person (password, email, sessions, disabled) where the
 * people concerned look: the person's own history (an event with no account)
 * and the log of every account the person is a direct member of (CONTRACT 8:
 * "in the audit log of the accounts concerned"). The invalidations are announced
 * once. Sign-in attempts are not changes: they go to the person's own history
 * only (auth/login.ts), so an account's admins do not watch a member sign in.
 */
export async function recordPersonChange(
  trx: Transaction<Database>,
  context: AuditContext,
  change: PersonChange,
): Promise<void> {
  const accounts = await trx
    .selectFrom('memberships')
    .select('account_id')
    .where('user_id', '=', change.userId)
    .orderBy('account_id')
    .execute()
  const event = {
    action: change.action,
    targetType: 'user',
    targetId: change.userId,
    details: change.details,
  }
  await recordChange(trx, context, {
    event: { ...event, accountId: null },
    invalidate: change.invalidate ?? [],
  })
  for (const { account_id } of accounts) {
    await recordChange(trx, context, { event: { ...event, accountId: account_id }, invalidate: [] })
  }
}
