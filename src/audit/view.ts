import type { AuditEvent } from '../db/schema.js'

/** An audit row as the API shows it. */
export function auditEventView(row: AuditEvent) {
  return {
    id: row.id,
    account_id: row.account_id ?? 0,
    actor: { user_id: row.actor_user_id, label: row.actor_label },
    action: row.action,
    target: { type: row.target_type, id: row.target_id },
    ip: row.ip,
    user_agent: row.user_agent,
    amr: row.amr,
    details: row.details,
    created_at: row.created_at.toISOString(),
  }
}

/** `key: value` pairs of an event's details, for the page. */
export function detailPairs(details: Record<string, unknown>): [string, string][] {
  return Object.entries(details).map(([key, value]) => [
    key,
    typeof value === 'string' ? value : JSON.stringify(value),
  ])
}
