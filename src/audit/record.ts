import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

export interface AuditContext {
  actorUserId: number | null
  /** Who acted, for display after the user is gone: an email, "cli", or a token name. */
  actorLabel: string
  ip: string
  userAgent: string
}

export interface AuditEntry {
  accountId: number | null
  action: string
  targetType?: string
  targetId?: string | number
  details?: Record<string, unknown>
}

/** Writes one audit event; pass the transaction that makes the change so both commit together. */
export async function recordAudit(
  db: Kysely<Database>,
  context: AuditContext,
  entry: AuditEntry,
): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      account_id: entry.accountId,
      actor_user_id: context.actorUserId,
      actor_label: context.actorLabel.slice(0, 320),
      action: entry.action,
      target_type: entry.targetType ?? '',
      target_id: entry.targetId === undefined ? '' : String(entry.targetId),
      details: JSON.stringify(entry.details ?? {}),
      ip: context.ip.slice(0, 100),
      user_agent: context.userAgent.slice(0, 500),
    })
    .execute()
}

export const CLI_AUDIT_CONTEXT: AuditContext = {
  actorUserId: null,
  actorLabel: 'cli',
  ip: '',
  userAgent: 'latchkey-cli',
}
