import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { AuditAction } from './actions.js'

export interface AuditContext {
  actorUserId: number | null
  /** Who acted, for display after the user is gone: an email, "cli", or a token name. */
  actorLabel: string
  ip: string
  userAgent: string
  /** The acting session's amr (`pwd`, `pwd otp`, `hwk`…) when the change was made in a session (CONTRACT 9). */
  amr?: string
  /**
   * When, by the configured clock (config.now). The builders in audit/context.ts
   * always set it; a context written by hand without it is stamped by the
   * database clock.
   */
  at?: Date
}

/**
 * The time of the change the context acts in, for rows written with it (the
 * configured clock; the wall clock only for a hand-written context without `at`).
 */
export function changeTime(context: AuditContext): Date {
  return context.at ?? new Date()
}

/** Where a request came from and when; the actor is added by whoever knows it. */
export type AuditOrigin = Omit<AuditContext, 'actorUserId' | 'actorLabel'>

export interface AuditEntry {
  accountId: number | null
  action: AuditAction
  targetType?: string
  targetId?: string | number
  details?: Record<string, unknown>
}

/**
 * Writes one audit event. A change to data goes through `recordChange`
 * (record-change.ts), which also announces it; this alone is for events that
 * change nothing a cache holds (sign-in attempts).
 */
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
      amr: context.amr ?? '',
      ...(context.at ? { created_at: context.at } : {}),
    })
    .execute()
}
