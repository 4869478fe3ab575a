import { randomBytes } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { type BuildOptions, buildApp } from '../src/app.js'
import { type Config, loadConfig } from '../src/config.js'
import type { DatabaseHandle } from '../src/db/connect.js'
import type { Role } from '../src/db/schema.js'
import type { PasswordHashing } from '../src/security/passwords.js'
import { addUserWithRole, setupFirstAdmin } from '../src/users/service.js'
import { freshDatabase, type Teardown } from './database.js'

export {
  createEmptyPostgresDatabase,
  createMigratedPostgresDatabase,
  DATABASE_KIND,
  freshDatabase,
  TEST_DATABASE_URL,
  type Teardown,
} from './database.js'

import { AUDIT } from './fixtures.js'

export const TEST_SECRET = 'test-session-secret-that-is-long-enough-0123456789'

/**
 * argon2id at a test cost (1 MiB, one pass: under a millisecond instead of ~60 ms).
 * auth/security.test.ts keeps OWASP's cost for its timing property; the CLI tests
 * and the process-level suites run with the production configuration.
 */
export const TEST_PASSWORD_HASHING: PasswordHashing = { memoryCost: 1024, timeCost: 1 }

export function testConfig(overrides: Partial<Config> = {}, env: Record<string, string> = {}): Config {
  return loadConfig(
    {
      PUBLIC_URL: 'http://localhost:3000',
      LOG_LEVEL: 'silent',
      DATA_DIR: '/nonexistent',
      HOUSEKEEPING_INTERVAL_SECONDS: '0',
      // Many apps share a test process whose loop stalls while PGlite loads: load shedding
      // is off unless a test turns it on (test/ops/load-shedding.test.ts).
      MAX_EVENT_LOOP_DELAY_MS: '0',
      ...env,
    },
    { sessionSecret: TEST_SECRET, loginSlowdownMs: 0, passwordHashing: TEST_PASSWORD_HASHING, ...overrides },
  )
}

export interface TestApp {
  app: FastifyInstance
  database: DatabaseHandle
  config: Config
}

/** The real app on a fresh database, closed in teardown. */
export async function build(
  t: Teardown,
  overrides: Partial<Config> = {},
  options: Omit<BuildOptions, 'database' | 'logger'> = {},
): Promise<TestApp> {
  const { database } = await freshDatabase(t)
  const config = testConfig(overrides)
  const app = await buildApp(config, {
    ...options,
    // lru-cache allocates its arrays for `max` entries up front: the defaults (100,000
    // answers, 10,000 unknown hashes and grants) cost some 20 ms per app. A test app
    // holds a handful of tokens.
    tokenCache: { maxEntries: 1_000, unknownEntries: 1_000, accessEntries: 1_000, ...options.tokenCache },
    database,
    logger: process.env.DEBUG_LOG ? { level: 'error' } : false,
  })
  t.teardown(() => app.close())
  await app.ready()
  return { app, database, config }
}

let counter = 0
export function uniqueEmail(prefix = 'user'): string {
  counter += 1
  return `${prefix}${counter}.${randomBytes(3).toString('hex')}@example.com`
}

export const PASSWORD = 'correct horse battery staple'

export interface Seeded {
  userId: number
  accountId: number
  email: string
  password: string
}

/** The first admin, through the same service as /setup. */
export async function seedFirstAdmin(app: FastifyInstance, accountName = 'Acme'): Promise<Seeded> {
  const email = uniqueEmail('admin')
  const { userId, accountId } = await setupFirstAdmin(
    app.db,
    { email, name: 'Ada Admin', password: PASSWORD, accountName },
    { ip: '127.0.0.1', userAgent: 'test' },
  )
  return { userId, accountId, email, password: PASSWORD }
}

/** A user with a role on an existing account (or on a new top-level account). */
export async function seedUser(
  app: FastifyInstance,
  role: Role,
  account: { accountId: number } | { newAccountName: string },
): Promise<Seeded> {
  const email = uniqueEmail(role)
  const { userId, accountId } = await addUserWithRole(
    app.db,
    { email, name: `${role} user`, password: PASSWORD, role, account },
    AUDIT,
  )
  return { userId, accountId, email, password: PASSWORD }
}

/** A cookie-keeping client over app.inject, with the CSRF token of the page it last saw. */
export class Browser {
  readonly cookies = new Map<string, string>()
  private csrf: string | undefined

  constructor(readonly app: FastifyInstance) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  private remember(response: LightMyRequestResponse): void {
    for (const c of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now()) || c.value === ''
      if (expired) this.cookies.delete(c.name)
      else this.cookies.set(c.name, c.value)
      if (c.name === 'lk_session') this.csrf = undefined
    }
    const match = /name="_csrf" value="([^"]+)"/.exec(response.body)
    if (match) this.csrf = match[1]
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({
      method: 'GET',
      url,
      headers: { cookie: this.cookieHeader(), accept: 'text/html', ...headers },
    })
    this.remember(response)
    return response
  }

  /** A CSRF token valid for the current session. */
  async csrfToken(): Promise<string> {
    if (!this.csrf) await this.get('/')
    if (!this.csrf) await this.get('/login')
    if (!this.csrf) await this.get('/setup')
    if (!this.csrf) throw new Error('no CSRF token found on /, /login or /setup')
    return this.csrf
  }

  /** Submits a form as a browser would, CSRF token included unless `_csrf` is given. */
  async post(
    url: string,
    fields: Record<string, string | number>,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const form = new URLSearchParams(
      Object.entries({ _csrf: await this.csrfToken(), ...fields }).map(([k, v]): [string, string] => [
        k,
        String(v),
      ]),
    )
    const response = await this.app.inject({
      method: 'POST',
      url,
      payload: form.toString(),
      headers: {
        cookie: this.cookieHeader(),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
        ...headers,
      },
    })
    this.remember(response)
    return response
  }

  /** Opens the login page (as a person would) and signs in. */
  async login(email: string, password = PASSWORD): Promise<LightMyRequestResponse> {
    this.csrf = undefined
    const page = await this.get('/login')
    if (page.statusCode !== 200) this.csrf = undefined // signed in already: the token comes from /
    const response = await this.post('/login', { email, password })
    if (response.statusCode !== 303) throw new Error(`login failed: ${response.statusCode}`)
    return response
  }
}

/** A browser already signed in as a seeded user. */
export async function loginAs(app: FastifyInstance, seeded: Seeded): Promise<Browser> {
  const browser = new Browser(app)
  await browser.login(seeded.email, seeded.password)
  return browser
}

/**
 * Counts the database queries the app makes whose SQL matches `pattern`: through
 * Kysely, and (PostgreSQL) straight on the pool, where the token lookups run as
 * prepared statements.
 */
export function countQueries(app: FastifyInstance, pattern: RegExp = /./): () => number {
  let count = 0
  const executor = app.db.getExecutor()
  const execute = executor.executeQuery.bind(executor)
  executor.executeQuery = ((query: { sql: string }, ...rest: unknown[]) => {
    if (pattern.test(query.sql)) count += 1
    return (execute as (...args: unknown[]) => ReturnType<typeof execute>)(query, ...rest)
  }) as typeof execute
  const pool = app.database.pool
  if (pool) {
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown
    pool.query = ((config: string | { text: string }, ...rest: unknown[]) => {
      if (pattern.test(typeof config === 'string' ? config : config.text)) count += 1
      return query(config, ...rest)
    }) as typeof pool.query
  }
  return () => count
}
