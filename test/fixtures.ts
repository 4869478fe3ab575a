import { type SpawnOptionsWithoutStdio, spawn } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { Writable } from 'node:stream'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import pg from 'pg'
import { createApiToken } from '../src/api-tokens/service.js'
import { buildApp } from '../src/app.js'
import type { ApplicationInput } from '../src/applications/input.js'
import { createApplication } from '../src/applications/service.js'
import { authorizeApplication, type Grant } from '../src/authorizations/service.js'
import type { Config } from '../src/config.js'
import type { DatabaseHandle } from '../src/db/connect.js'
import type { Application, Role } from '../src/db/schema.js'
import { INVALIDATION_CHANNEL, type Invalidation, parseAnnouncement } from '../src/invalidation/publish.js'
import { latchkeyCommand } from './compiled-cli.js'
import { freshDatabase } from './database.js'
import { type Browser, TEST_SECRET, type Teardown, testConfig } from './helper.js'

/** The seeding tests' fixtures: one of each, so that a change to a service changes one helper. */

export { ROLES } from '../src/db/schema.js'

/** The audit context of changes a test makes directly through a service. */
export const AUDIT = { actorUserId: null, actorLabel: 'test', ip: '127.0.0.1', userAgent: 'test' }

/** `latchkey users create` for the first admin, ops@example.com on a new account Acme, answering in JSON (the password on stdin). */
export const CREATE_FIRST_ADMIN = [
  'users',
  'create',
  '--email',
  'ops@example.com',
  '--name',
  'Ops',
  '--role',
  'admin',
  '--account',
  'Acme',
  '--json',
]

export const XSS = '<script>alert(1)</script>'
export const XSS_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;'

/** A clock the tests move instead of sleeping (`build(t, { now: clock.now })`). */
export class TestClock {
  private offsetMs = 0
  readonly now = (): Date => new Date(Date.now() + this.offsetMs)
  /** The same clock as milliseconds, for caches (lru-cache's `perf.now`). */
  readonly nowMs = (): number => Date.now() + this.offsetMs
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000
  }
}

/** HTTP Basic credentials as RFC 6749 section 2.3.1 builds them (each part form-encoded). */
export function basicAuth(id: number | string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`
}

export interface SeededApplication {
  application: Application
  /** The client secret, as a developer would have copied it. */
  clientSecret: string
  /** Its HTTP Basic header. */
  basic: string
}

let applications = 0

/**
 * An application registered through the same service the pages and the API use
 * (validated, audited). Defaults: a unique name, `browse`, no redirect URL.
 */
export async function seedApplication(
  app: FastifyInstance,
  owner: { accountId: number; userId?: number | null },
  fields: ApplicationInput = {},
): Promise<SeededApplication> {
  applications += 1
  const { application, clientSecret } = await createApplication(
    app.db,
    {
      accountId: owner.accountId,
      userId: owner.userId ?? null,
      fields: {
        name: `App ${applications} ${Math.random().toString(36).slice(2, 6)}`,
        permission: 'browse',
        ...fields,
      },
    },
    AUDIT,
  )
  return { application, clientSecret, basic: basicAuth(application.id, clientSecret) }
}

/** The application authorized on the account by the user, through the service the consent page uses: the grant and its token. */
export function authorize(
  app: FastifyInstance,
  application: Application,
  on: { accountId: number; userId: number },
  permission?: Role,
): Promise<Grant> {
  return authorizeApplication(
    app.db,
    { application, accountId: on.accountId, userId: on.userId, ...(permission ? { permission } : {}) },
    AUDIT,
  )
}

/** A personal token of the user on the account, through the service (`name` defaults to "<permission> token"). */
export async function personalToken(
  app: FastifyInstance,
  owner: { userId: number; accountId: number },
  permission: Role,
  options: { name?: string; expiresAt?: Date | null } = {},
): Promise<string> {
  const created = await createApiToken(
    app.db,
    {
      accountId: owner.accountId,
      userId: owner.userId,
      name: options.name ?? `${permission} token`,
      permission,
      expiresAt: options.expiresAt ?? null,
    },
    AUDIT,
  )
  return created.token
}

/** GET /api/v1/me with a bearer token: the probe for "does this token still work, and how far". */
export function me(app: FastifyInstance, token: string): Promise<LightMyRequestResponse> {
  return app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
}

/** The status of /api/v1/me and, when active, the permission it reports. */
export async function meSays(
  app: FastifyInstance,
  token: string,
): Promise<{ status: number; permission?: Role }> {
  const response = await me(app, token)
  return { status: response.statusCode, permission: response.json().permission }
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

export interface InvalidationLog {
  /** Every notification received so far, in order. */
  readonly seen: Invalidation[]
  /** Resolves true as soon as a notification equal to `expected` has arrived; false after `timeoutMs`. */
  arrives(expected: Invalidation, timeoutMs?: number): Promise<boolean>
  /**
   * Everything announced before now: sends a marker notification on the same
   * channel and waits for it. PostgreSQL delivers notifications in commit order,
   * so every change committed before the marker has arrived when it does.
   */
  settled(timeoutMs?: number): Promise<Invalidation[]>
}

// A marker no cache acts on: no token has a negative id.
let markers = 0
const isMarker = (change: Invalidation) => change.type === 'token' && change.id < 0

/** Listens (LISTEN) to the invalidations announced on the database, on both kinds of database, until teardown. */
export async function listenInvalidations(t: Teardown, database: DatabaseHandle): Promise<InvalidationLog> {
  const received: Invalidation[] = []
  const waiters = new Set<() => void>()
  const push = (payload: string | undefined) => {
    // The change without its token_events id (the log's own tests read the ids from the stream).
    const change = parseAnnouncement(payload)?.change
    if (!change) return
    received.push(change)
    for (const wake of waiters) wake()
  }
  let notify: (payload: string) => Promise<unknown>
  if (database.pool) {
    // A connection of its own (not from the app's pool), so teardown order does not matter.
    const client = new pg.Client({ connectionString: database.pool.options.connectionString })
    client.on('error', () => {})
    client.on('notification', (message) => push(message.payload))
    await client.connect()
    await client.query(`LISTEN ${INVALIDATION_CHANNEL}`)
    t.teardown(() => client.end().catch(() => {}))
    notify = (payload) => client.query('SELECT pg_notify($1, $2)', [INVALIDATION_CHANNEL, payload])
  } else if (database.pglite) {
    const pglite = database.pglite
    const unlisten = await pglite.listen(INVALIDATION_CHANNEL, push)
    t.teardown(() => unlisten().catch(() => {}))
    notify = (payload) => pglite.query('SELECT pg_notify($1, $2)', [INVALIDATION_CHANNEL, payload])
  } else throw new Error('no database to listen on')

  const until = (found: () => boolean, timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      if (found()) return resolve(true)
      const done = (result: boolean) => {
        clearTimeout(timer)
        waiters.delete(wake)
        resolve(result)
      }
      const wake = () => found() && done(true)
      const timer = setTimeout(() => done(found()), timeoutMs)
      waiters.add(wake)
    })
  const same = (a: Invalidation, b: Invalidation) => JSON.stringify(a) === JSON.stringify(b)

  return {
    get seen() {
      return received.filter((change) => !isMarker(change))
    },
    arrives(expected, timeoutMs = 5_000) {
      return until(() => received.some((change) => same(change, expected)), timeoutMs)
    },
    async settled(timeoutMs = 5_000) {
      markers += 1
      const marker: Invalidation = { type: 'token', id: -markers }
      await notify(JSON.stringify(marker))
      if (!(await until(() => received.some((change) => same(change, marker)), timeoutMs)))
        throw new Error('the marker notification did not come back')
      return received.filter((change) => !isMarker(change))
    },
  }
}

const feedEvents = new WeakMap<FastifyInstance, EventEmitter>()

/**
 * Resolves at the next thing the app's invalidation feed does (a change arrives,
 * the caches are reset, trust is lost or regained), or after `timeoutMs`. Call it
 * before the probe that may miss the event, and await it after.
 */
export function nextFeedEvent(app: FastifyInstance, timeoutMs = 5_000): Promise<void> {
  let events = feedEvents.get(app)
  if (!events) {
    const emitter = new EventEmitter()
    emitter.setMaxListeners(0)
    // After the feed's own bookkeeping (trust() clears the caches before it sets `trusted`).
    const emit = () => queueMicrotask(() => emitter.emit('event'))
    app.invalidations.subscribe({ invalidate: emit, clear: emit })
    feedEvents.set(app, emitter)
    events = emitter
  }
  const emitter = events
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      emitter.off('event', done)
      resolve()
    }
    const timer = setTimeout(done, Math.max(0, timeoutMs))
    timer.unref()
    emitter.on('event', done)
  })
}

/** Resolves once the app's caches may be used (it listens for invalidations); false after `timeoutMs`. */
export async function whenTrusted(app: FastifyInstance, timeoutMs = 5_000): Promise<boolean> {
  const started = performance.now()
  while (!app.invalidations.trusted) {
    const left = timeoutMs - (performance.now() - started)
    if (left <= 0) return false
    await nextFeedEvent(app, left)
  }
  return true
}

/** The app with its real logger configuration (redaction included), writing JSON lines into memory. */
export async function appWithCapturedLog(
  t: Teardown,
  overrides: Partial<Config> = {},
): Promise<{ app: FastifyInstance; lines: string[] }> {
  const { database } = await freshDatabase(t)
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      done()
    },
  })
  const app = await buildApp(testConfig(overrides), { database, logger: { stream, level: 'trace' } })
  t.teardown(() => app.close())
  await app.ready()
  return { app, lines }
}

export interface ProcessRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a program to its end with `stdin` as its input: its exit code and everything it wrote. */
export function runProcess(
  command: string,
  args: string[],
  options: SpawnOptionsWithoutStdio,
  stdin = '',
): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, options)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(stdin)
  })
}

/** The `latchkey` command: the sources as transpiled for this test run, or under tsx (test/compiled-cli.ts). */
export const LATCHKEY = latchkeyCommand()

/** Runs `latchkey <args>` to its end in a clean environment (PATH, a session secret, silent logs, then `env`). */
export function runLatchkey(args: string[], env: Record<string, string>, stdin = ''): Promise<ProcessRun> {
  const [node = process.execPath, ...prefix] = LATCHKEY
  return runProcess(
    node,
    [...prefix, ...args],
    { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', SESSION_SECRET: TEST_SECRET, ...env } },
    stdin,
  )
}
