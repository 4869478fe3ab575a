import type { FastifyInstance } from 'fastify'

/**
 * A confirmed TOTP factor for a person, as the policy sees it (`hasSecondFactor`).
 * The secret is never opened by these tests, so its sealed text is a placeholder.
 */
export async function seedConfirmedTotp(app: FastifyInstance, userId: number): Promise<void> {
  const now = app.config.now()
  await app.db
    .insertInto('totp_factors')
    .values({
      user_id: userId,
      secret_sealed: 'not-opened-by-these-tests',
      confirmed_at: now,
      created_at: now,
    })
    .execute()
}
