import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

export interface SignIn {
  at: Date
  ip: string
  userAgent: string
  /** What the person reads: "signed in", "failed" (a wrong password or passkey), "wrong code" (the second step). */
  result: string
}

const RESULTS: Record<string, string> = {
  'login.succeeded': 'signed in',
  'login.failed': 'failed',
  'two_factor.failed': 'wrong code',
}

/**
 * The person's latest sign-in attempts, newest first, from their own history:
 * audit events with no account (auth/login.ts writes them there), about them as
 * the target. A sign-in with a second step counts as signed in once the code is
 * right (the password alone is not a sign-in); its wrong codes are listed too.
 * Failed attempts on an unknown address name no user and appear nowhere.
 */
export async function recentSignIns(db: Kysely<Database>, userId: number, limit = 10): Promise<SignIn[]> {
  const rows = await db
    .selectFrom('audit_events')
    .select(['action', 'created_at', 'ip', 'user_agent'])
    .where('account_id', 'is', null)
    .where('action', 'in', ['login.succeeded', 'login.failed', 'two_factor.failed'])
    .where('target_type', '=', 'user')
    .where('target_id', '=', String(userId))
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return rows.map((row) => ({
    at: row.created_at,
    ip: row.ip,
    userAgent: row.user_agent,
    result: RESULTS[row.action] ?? row.action,
  }))
}
