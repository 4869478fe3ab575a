import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { createApiToken } from '../../src/api-tokens/service.js'
import type { DatabaseHandle } from '../../src/db/connect.js'
import type { Role } from '../../src/db/schema.js'
import { INVALIDATION_CHANNEL, type Invalidation } from '../../src/invalidation/publish.js'
import type { Teardown } from '../helper.js'

export const AUDIT = { actorUserId: null, actorLabel: 'test', ip: '127.0.0.1', userAgent: 'test' }
export const XSS = '<script>alert(1)</script>'
export const XSS_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;'
export const ROLES: Role[] = ['browse', 'design', 'publish', 'admin']

/** A personal API token of the user on the account. */
export async function personalToken(
  app: FastifyInstance,
  userId: number,
  accountId: number,
  permission: Role,
): Promise<string> {
  const created = await createApiToken(
    app.db,
    { accountId, userId, name: `t-${permission}`, permission, expiresAt: null },
    AUDIT,
  )
  return created.token
}

/** GET /api/v1/me with the token: the status and, when active, the reported permission. */
export async function me(
  app: FastifyInstance,
  token: string,
): Promise<{ status: number; permission?: Role }> {
  const response = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
  return { status: response.statusCode, permission: response.json().permission }
}

/**
 * Collects the invalidations announced on the database (LISTEN), on both
 * databases; `settle()` waits until notifications stop arriving.
 */
export async function listenInvalidations(
  t: Teardown,
  database: DatabaseHandle,
): Promise<{ seen: Invalidation[]; settle(): Promise<Invalidation[]> }> {
  const seen: Invalidation[] = []
  const push = (payload: string | undefined) => {
    if (payload) seen.push(JSON.parse(payload) as Invalidation)
  }
  if (database.pool) {
    // A connection of its own (not from the app's pool), so teardown order does not matter.
    const client = new pg.Client({ connectionString: database.pool.options.connectionString })
    client.on('error', () => {})
    client.on('notification', (message) => push(message.payload))
    await client.connect()
    await client.query(`LISTEN ${INVALIDATION_CHANNEL}`)
    t.teardown(() => client.end().catch(() => {}))
  } else if (database.pglite) {
    const unlisten = await database.pglite.listen(INVALIDATION_CHANNEL, push)
    t.teardown(() => unlisten().catch(() => {}))
  }
  return {
    seen,
    async settle() {
      let count = -1
      while (count !== seen.length) {
        count = seen.length
        await new Promise((resolve) => setTimeout(resolve, 150))
      }
      return seen
    },
  }
}
