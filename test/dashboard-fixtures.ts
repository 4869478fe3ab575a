import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import { createApiToken } from '../src/api-tokens/service.js'
import type { ApplicationInput } from '../src/applications/input.js'
import { createApplication } from '../src/applications/service.js'
import type { DatabaseHandle } from '../src/db/connect.js'
import type { Application, Role } from '../src/db/schema.js'
import { INVALIDATION_CHANNEL, type Invalidation } from '../src/invalidation/publish.js'
import type { Browser, Seeded, Teardown } from './helper.js'

/** Shared set-up for the dashboard tests (applications, API tokens, authorized apps). */

export const AUDIT = { actorUserId: null, actorLabel: 'test', ip: '127.0.0.1', userAgent: 'test' }
export const ROLES_LOW_TO_HIGH: Role[] = ['browse', 'design', 'publish', 'admin']
export const XSS = '<script>alert(1)</script>'
export const XSS_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;'

/** A personal API token for a seeded user (permission defaults to the given role). */
export async function tokenFor(app: FastifyInstance, seeded: Seeded, permission: Role): Promise<string> {
  const created = await createApiToken(
    app.db,
    {
      accountId: seeded.accountId,
      userId: seeded.userId,
      name: `${permission} token`,
      permission,
      expiresAt: null,
    },
    AUDIT,
  )
  return created.token
}

export type Call = (
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
) => Promise<LightMyRequestResponse>

/** A JSON API client that sends the token in the Authorization header. */
export function apiClient(app: FastifyInstance, token: string): Call {
  return (method, url, payload) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
}

/** An application made through the same service the pages and the API use. */
export async function seedApplication(
  app: FastifyInstance,
  owner: Seeded,
  fields: ApplicationInput = {},
): Promise<{ application: Application; clientSecret: string }> {
  return createApplication(
    app.db,
    {
      accountId: owner.accountId,
      userId: owner.userId,
      fields: { name: `App ${Math.random().toString(36).slice(2, 8)}`, permission: 'browse', ...fields },
    },
    AUDIT,
  )
}

/** A form POST with the session cookie but no CSRF token at all (as a cross-site form would send). */
export function postWithoutCsrf(
  browser: Browser,
  url: string,
  fields: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return browser.app.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams(fields).toString(),
    headers: {
      cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
    },
  })
}

/** Every text value stored in the given tables (all columns, all rows), for "only hashes are stored" checks. */
export async function storedText(app: FastifyInstance, tables: string[]): Promise<string[]> {
  const values: string[] = []
  for (const table of tables) {
    const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(app.db)
    for (const row of rows)
      for (const value of Object.values(row))
        if (value !== null && typeof value === 'object' && !(value instanceof Date))
          values.push(JSON.stringify(value))
        else if (typeof value === 'string') values.push(value)
  }
  return values
}

/** The value of a readonly input on a page (the one-time secret boxes). */
export function inputValue(body: string, id: string): string | undefined {
  return new RegExp(`id="${id}" readonly value="([^"]+)"`).exec(body)?.[1]
}

/** Collects the invalidation notices the database delivers (both kinds of database), until teardown. */
export async function collectInvalidations(t: Teardown, database: DatabaseHandle): Promise<Invalidation[]> {
  const seen: Invalidation[] = []
  const record = (payload: string | undefined) => {
    if (payload) seen.push(JSON.parse(payload) as Invalidation)
  }
  if (database.pool) {
    const client = await database.pool.connect()
    client.on('notification', (message) => record(message.payload))
    await client.query(`LISTEN ${INVALIDATION_CHANNEL}`)
    t.teardown(() => client.release())
  } else if (database.pglite) {
    const unlisten = await database.pglite.listen(INVALIDATION_CHANNEL, record)
    t.teardown(() => unlisten())
  }
  return seen
}

/** Waits (briefly) until a notice matching `expected` has arrived. */
export async function invalidationArrives(seen: Invalidation[], expected: Invalidation): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (seen.some((s) => JSON.stringify(s) === JSON.stringify(expected))) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return false
}
