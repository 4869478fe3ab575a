import type { FastifyInstance } from 'fastify'

/** Writes audit events directly, with chosen times (recordAudit stamps the audit context's time). */
export async function insertEvents(
  app: FastifyInstance,
  accountId: number,
  events: {
    action?: string
    actor?: string
    at?: Date
    userAgent?: string
    details?: Record<string, unknown>
  }[],
): Promise<number[]> {
  const ids: number[] = []
  for (const e of events) {
    const row = await app.db
      .insertInto('audit_events')
      .values({
        account_id: accountId,
        actor_user_id: null,
        actor_label: e.actor ?? 'someone@example.com',
        action: e.action ?? 'test.event',
        target_type: 'thing',
        target_id: '7',
        details: JSON.stringify(e.details ?? {}),
        ip: '203.0.113.9',
        user_agent: e.userAgent ?? 'test-agent',
        ...(e.at ? { created_at: e.at } : {}),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    ids.push(row.id)
  }
  return ids
}
