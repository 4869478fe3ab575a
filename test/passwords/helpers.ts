import type { FastifyInstance } from 'fastify'
import type { AuditAction } from '../../src/audit/actions.js'
import { addUserWithRole } from '../../src/users/service.js'
import { AUDIT } from '../fixtures.js'
import { Browser, PASSWORD, type Seeded, uniqueEmail } from '../helper.js'

/** A person with a name of our choosing (XSS tests) on a new account. */
export async function seedNamed(app: FastifyInstance, name: string): Promise<Seeded> {
  const email = uniqueEmail('person')
  const { userId, accountId } = await addUserWithRole(
    app.db,
    { email, name, password: PASSWORD, role: 'admin', account: { newAccountName: 'Named' } },
    AUDIT,
  )
  return { userId, accountId, email, password: PASSWORD }
}

/** Asks for a reset link as an anonymous browser would. */
export async function askForReset(app: FastifyInstance, email: string) {
  const browser = new Browser(app)
  await browser.get('/password/forgot')
  return browser.post('/password/forgot', { email })
}

/** The audit actions recorded about a user, in order. */
export async function auditActions(app: FastifyInstance, userId: number): Promise<AuditAction[]> {
  const rows = await app.db
    .selectFrom('audit_events')
    .select('action')
    .where('target_type', '=', 'user')
    .where('target_id', '=', String(userId))
    .where('account_id', 'is', null)
    .orderBy('id')
    .execute()
  return rows.map((r) => r.action as AuditAction)
}

/** Waits until `check` holds (work the app does after answering), failing after `ms`. */
export async function eventually(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not true within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** How many reset links a user has (used or not). */
export async function resetLinkCount(app: FastifyInstance, userId: number): Promise<number> {
  const rows = await app.db
    .selectFrom('user_links')
    .select('token_hash')
    .where('user_id', '=', userId)
    .where('purpose', '=', 'password_reset')
    .execute()
  return rows.length
}
