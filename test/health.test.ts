import t from 'tap'
import { buildApp } from '../src/app.js'
import { connectDatabase } from '../src/db/connect.js'
import { migratedPgliteSnapshot } from './database.js'
import { build, DATABASE_KIND, testConfig } from './helper.js'

t.test(`/healthz and /readyz (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const health = await app.inject({ url: '/healthz' })
  t.equal(health.statusCode, 200)
  t.same(health.json(), { status: 'ok' })
  const ready = await app.inject({ url: '/readyz' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', database: DATABASE_KIND })
})

t.test('/readyz answers 503 when the database does not answer', async (t) => {
  // PostgreSQL: nothing listens on port 1. PGlite: the embedded instance is closed.
  const database =
    DATABASE_KIND === 'postgres'
      ? await connectDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', pgliteDataDir: '' })
      : await connectDatabase({
          databaseUrl: undefined,
          pgliteDataDir: 'memory://',
          pgliteSnapshot: await migratedPgliteSnapshot(),
        })
  if (database.pglite) await database.pglite.close()
  const app = await buildApp(testConfig(), { database, logger: false })
  t.teardown(async () => {
    await app.close()
    await database.close().catch(() => undefined)
  })
  const health = await app.inject({ url: '/healthz' })
  t.equal(health.statusCode, 200, 'the process is still up')
  const ready = await app.inject({ url: '/readyz' })
  t.equal(ready.statusCode, 503)
  t.same(ready.json(), { statusCode: 503, error: 'Service Unavailable', message: 'database unreachable' })
  const page = await app.inject({ url: '/login' })
  t.equal(page.statusCode, 503, 'pages answer 503 rather than 500')
  t.match(page.body, 'The database is not reachable; try again shortly.')
})
