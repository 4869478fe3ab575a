import type { Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import { type Invalidation, publishInvalidation } from '../invalidation/publish.js'
import { type AuditContext, type AuditEntry, recordAudit } from './record.js'

export interface Change {
  /** The audit event that says what changed, who did it and where. */
  event: AuditEntry
  /** What validation caches must forget; empty when the change can only widen access. */
  invalidate: readonly Invalidation[]
}

/**
 * The one step that records a change to the data, as the last step of the
 * transaction that makes it: the audit event and the invalidations commit (or
 * roll back) together, so no caller announces without auditing, or twice.
 * Repositories only speak SQL; services call this.
 */
export async function recordChange(
  trx: Transaction<Database>,
  context: AuditContext,
  change: Change,
): Promise<void> {
  for (const invalidation of change.invalidate) await publishInvalidation(trx, invalidation)
  await recordAudit(trx, context, change.event)
}
