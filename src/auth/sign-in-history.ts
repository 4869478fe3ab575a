import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

export interface SignIn {
  at: Date
  ip: string
  userAgent: string
  succeeded: boolean
}

/**
 * The person's latest sign-in attempts, newest first, from their own history:
 * audit events with no account (auth/login.ts writes them there), about them as
 * the target. Failed attempts on an unknown address name no user and appear nowhere.
 */
export async function recentSignIns(db: Kysely<Database>, userId: number, limit = 10): Promise<SignIn[]> {
  const rows = await db
    .selectFrom('audit_events')
    .select(['action', 'created_at', 'ip', 'user_agent'])
    .where('account_id', 'is', null)
    .where('action', 'in', ['login.succeeded', 'login.failed'])
    .where('target_type', '=', 'user')
    .where('target_id', '=', String(userId))
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return rows.map((row) => ({
    at: row.created_at,
    ip: row.ip,
    userAgent: row.user_agent,
    succeeded: row.action === 'login.succeeded',
  }))
}
