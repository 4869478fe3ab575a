// Fault suite. These tests stop, crash and restart a PostgreSQL cluster of their
// own (own-postgres.ts), so they run against PostgreSQL in both CI
// runs (the PGlite run included): a fault in the embedded database is a fault of
// the process itself, which the kill test covers.
import { spawn } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { extname, join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import t from 'tap'
import { createApiToken } from '../../../../src/api-tokens/service.js'
import { buildApp } from '../../../../src/app.js'
import { generateClientSecret } from '../../../../src/applications/client-secret.js'
import { insertApplication } from '../../../../src/applications/repo.js'
import { connectDatabase } from '../../../../src/db/connect.js'
import { migrateToLatest } from '../../../../src/db/migrate.js'
import { AUDIT } from '../../../fixtures.js'
import { seedFirstAdmin, type Teardown, testConfig } from '../../../helper.js'
import { POSTGRES_SERVER, requirePrograms } from '../../require-program.js'
import { OwnPostgres } from './own-postgres.js'

async function appOn(t: Teardown, url: string): Promise<FastifyInstance> {
  const database = await connectDatabase({ databaseUrl: url, pgliteDataDir: '', poolSize: 4 })
  await migrateToLatest(database.db)
  const app = await buildApp(testConfig(), { database, logger: false })
  t.teardown(async () => {
    await app.close()
    await database.close()
  })
  await app.ready()
  return app
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const skip = requirePrograms(t, [POSTGRES_SERVER])

t.test('PostgreSQL stopped and restarted while requests flow', { skip }, async (t) => {
  const cluster = await OwnPostgres.create()
  t.teardown(() => cluster.destroy())
  const app = await appOn(t, cluster.url)
  const admin = await seedFirstAdmin(app)
  const { token } = await createApiToken(
    app.db,
    { accountId: admin.accountId, userId: admin.userId, name: 'kept', permission: 'admin', expiresAt: null },
    AUDIT,
  )
  const me = () => app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
  t.equal((await me()).statusCode, 200, 'baseline')

  const seen = new Map<number, number>()
  let flowing = true
  const progress = new EventEmitter()
  const traffic = (async () => {
    while (flowing) {
      const responses = await Promise.all([
        me(),
        app.inject({ url: '/readyz' }),
        app.inject({ url: '/login' }),
      ])
      for (const r of responses) seen.set(r.statusCode, (seen.get(r.statusCode) ?? 0) + 1)
      progress.emit('round')
      await sleep(20)
    }
  })()
  /** Resolves once the traffic has seen `count` answers of `status`. */
  const answered = (status: number, count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if ((seen.get(status) ?? 0) < count) return
        progress.off('round', check)
        resolve()
      }
      progress.on('round', check)
      check()
    })

  cluster.stop('fast')
  const ready = await app.inject({ url: '/readyz' })
  t.equal(ready.statusCode, 503, '/readyz is 503 while the database is down')
  const down = await me()
  t.equal(down.statusCode, 503, 'the API answers 503, not 500')
  t.same(Object.keys(down.json()).sort(), ['error', 'message', 'statusCode'])
  t.equal(down.json().error, 'Service Unavailable')
  const page = await app.inject({ url: '/login' })
  t.equal(page.statusCode, 503, 'pages answer 503 too')
  t.match(page.headers['content-type'], /text\/html/)
  await answered(503, 15) // the traffic, too, has met the outage for a while

  cluster.start()
  const restarted = Date.now()
  let recovered = -1
  while (Date.now() - restarted < 10_000) {
    if ((await me()).statusCode === 200) {
      recovered = Date.now() - restarted
      break
    }
    await sleep(50)
  }
  flowing = false
  await traffic
  t.ok(recovered >= 0 && recovered < 5000, `validation recovered ${recovered} ms after the database returned`)
  t.equal((await app.inject({ url: '/readyz' })).statusCode, 200)
  const statuses = [...seen.keys()].sort()
  t.ok(
    statuses.every((s) => s === 200 || s === 503),
    `only 200 and 503 while it flowed: ${JSON.stringify([...seen])}`,
  )
  t.notOk(seen.has(500), 'never a 500')
  t.equal((await me()).json().token.name, 'kept', 'the token committed before the outage still works')
})

t.test(
  'a process killed in the middle of issuing tokens leaves no half-written rows',
  { skip },
  async (t) => {
    const cluster = await OwnPostgres.create()
    t.teardown(() => cluster.destroy())
    const app = await appOn(t, cluster.url)
    const admin = await seedFirstAdmin(app)
    const { hash } = generateClientSecret()
    const application = await insertApplication(app.db, {
      accountId: admin.accountId,
      name: 'Worker app',
      description: '',
      url: '',
      redirectUrls: [],
      permission: 'browse',
      clientSecretHash: hash,
      createdBy: admin.userId,
    })

    for (let round = 0; round < 3; round++) {
      const child = spawn(
        process.execPath,
        [
          // The worker beside this file: compiled too when this file runs from the compiled copy.
          ...(import.meta.filename.endsWith('.ts') ? ['--import', 'tsx'] : []),
          join(import.meta.dirname, `issue-tokens-worker${extname(import.meta.filename)}`),
          cluster.url,
          String(admin.accountId),
          String(admin.userId),
          String(application.id),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      )
      let issued = 0
      child.stdout.on('data', (chunk: Buffer) => {
        issued += chunk.toString().split('\n').filter(Boolean).length
      })
      const target = 5 + round * 7
      while (issued < target) await sleep(5)
      child.kill('SIGKILL')
      await new Promise((resolve) => child.once('close', resolve))
    }

    const { rows } = await sql<{
      personal: number
      created_events: number
      app_tokens: number
      authorized_events: number
      orphans: number
    }>`
    SELECT
      (SELECT count(*)::int FROM tokens WHERE kind = 'personal') AS personal,
      (SELECT count(*)::int FROM audit_events WHERE action = 'api_token.created') AS created_events,
      (SELECT count(*)::int FROM tokens WHERE kind = 'application') AS app_tokens,
      (SELECT count(*)::int FROM audit_events WHERE action = 'application.authorized') AS authorized_events,
      (SELECT count(*)::int FROM tokens t WHERE t.kind = 'application'
         AND NOT EXISTS (SELECT 1 FROM authorizations a WHERE a.id = t.authorization_id)) AS orphans`.execute(
      app.db,
    )
    const counts = rows[0]!
    t.ok(counts.personal >= 3 * 5, `tokens were issued (${counts.personal})`)
    t.equal(
      counts.created_events,
      counts.personal,
      'every API token has its audit event and no event lacks its token',
    )
    t.equal(counts.authorized_events, counts.app_tokens, 'every application token has its audit event')
    t.equal(counts.orphans, 0, 'no application token without its authorization')
  },
)
