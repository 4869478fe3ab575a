import type { Kysely } from 'kysely'
import { type AuditContext, recordAudit } from '../audit/record.js'
import type { Database } from '../db/schema.js'

/**
 * A sign-in that starts a session, in the person's own history (no account): an
 * account's admins do not watch their members sign in (issue 11, item 4;
 * audit/person-events.ts).
 */
export async function recordSignIn(
  db: Kysely<Database>,
  context: AuditContext,
  userId: number,
): Promise<void> {
  await recordAudit(db, context, {
    accountId: null,
    action: 'login.succeeded',
    targetType: 'user',
    targetId: userId,
  })
}
