import type { FastifyInstance } from 'fastify'
import { generate } from 'otplib'
import type { TestClock } from '../fixtures.js'
import type { Browser } from '../helper.js'

export const SECURITY = '/settings/profile/security'

/** The TOTP code an authenticator app shows at `at` for the secret. */
export function codeAt(secret: string, at: Date): Promise<string> {
  return generate({ secret, epoch: Math.floor(at.getTime() / 1000) })
}

/** Moves the clock to the middle of a 30-second step, so a test's own run time never crosses a step. */
export function toMidStep(clock: TestClock): void {
  const into = (clock.now().getTime() / 1000) % 30
  clock.advance(15 - into + (into > 15 ? 30 : 0))
}

/** Starts setting up an authenticator app on the security page; the secret as the page shows it in text. */
export async function startEnrolment(browser: Browser): Promise<{ secret: string; page: string }> {
  const started = await browser.post(`${SECURITY}/totp`, {})
  if (started.statusCode !== 303) throw new Error(`start enrolment: ${started.statusCode}`)
  const page = (await browser.get(SECURITY)).body
  const secret = /id="totp-secret" class="mono">([A-Z2-7]+)</.exec(page)?.[1]
  if (!secret) throw new Error('no secret on the security page')
  return { secret, page }
}

/** The recovery codes a page shows (after confirming or regenerating). */
export function recoveryCodesIn(body: string): string[] {
  return [...body.matchAll(/<li>([a-z2-7]{5}-[a-z2-7]{5})<\/li>/g)].map((m) => m[1] as string)
}

/** Sets up and confirms an authenticator app; the step of the confirming code is used afterwards. */
export async function enrol(
  browser: Browser,
  clock: TestClock,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const { secret } = await startEnrolment(browser)
  const confirmed = await browser.post(`${SECURITY}/totp/confirm`, {
    code: await codeAt(secret, clock.now()),
  })
  if (confirmed.statusCode !== 200) throw new Error(`confirm enrolment: ${confirmed.statusCode}`)
  return { secret, recoveryCodes: recoveryCodesIn(confirmed.body) }
}

/** The audit actions about a user, oldest first (their own history and their accounts' logs). */
export async function actionsAbout(app: FastifyInstance, userId: number): Promise<string[]> {
  const rows = await app.db
    .selectFrom('audit_events')
    .select('action')
    .where('target_type', '=', 'user')
    .where('target_id', '=', String(userId))
    .orderBy('id')
    .execute()
  return rows.map((row) => row.action)
}
