import { PGlite } from '@electric-sql/pglite'
import type { FastifyInstance } from 'fastify'
import { Kysely, PGliteDialect } from 'kysely'
import t from 'tap'
import { createApiToken } from '../../src/api-tokens/service.js'
import { buildApp } from '../../src/app.js'
import type { DatabaseHandle } from '../../src/db/connect.js'
import type { Database } from '../../src/db/schema.js'
import { migratedPgliteSnapshot } from '../database.js'
import { AUDIT } from '../fixtures.js'
import { type Teardown, testConfig } from '../helper.js'
import { cacheLookups, seedValidation, verify } from '../validation/fixtures.js'
import { changeScenarios } from './changes.js'
import { waitFor, warm } from './instances.js'

/**
 * The PGlite counterpart of two-instances.test.ts and listener-lost.test.ts,
 * run on PGlite in both CI runs: two apps in one process on one embedded
 * database, each through its own Kysely instance, so the only way a change made
 * through one reaches the other's cache is PGlite's in-process LISTEN/NOTIFY.
 */
async function pgliteInstances(t: Teardown) {
  const pglite = new PGlite({ dataDir: 'memory://', loadDataDir: await migratedPgliteSnapshot() })
  const apps: FastifyInstance[] = []
  for (let i = 0; i < 2; i++) {
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) })
    // Closing is left to the PGlite teardown below: Kysely's destroy() would close the shared instance.
    const database: DatabaseHandle = {
      db,
      kind: 'pglite',
      pool: undefined,
      pglite,
      sessionConfig: undefined,
      namedStatements: false,
      close: async () => {},
    }
    const app = await buildApp(testConfig(), { database, logger: false })
    await app.ready()
    apps.push(app)
  }
  t.teardown(async () => {
    for (const app of apps) await app.close()
    await pglite.close()
  })
  const [changer, observer] = apps
  if (!changer || !observer) throw new Error('two apps expected')
  return { pglite, changer, observer }
}

t.test(
  'a change made through one app reaches another on the same PGlite at once, for every kind',
  async (t) => {
    const { changer, observer } = await pgliteInstances(t)
    for (const setup of await changeScenarios(changer, observer)) {
      const scenario = await setup()
      await t.test(scenario.name, async (t) => {
        const warmed = await warm(observer, scenario.probe, scenario.cache)
        t.equal(warmed.answer, scenario.before)
        t.ok(warmed.cached, 'the observing app answers from its cache')
        await scenario.change()
        const seen = await waitFor(observer, scenario.probe, scenario.after)
        t.equal(seen.answer, scenario.after)
        t.ok(seen.elapsedMs < 1000, `seen by the other app after ${seen.elapsedMs.toFixed(1)} ms`)
      })
    }
  },
)

t.test('a NOTIFY made outside the apps (plain SQL on PGlite) reaches both caches', async (t) => {
  const { pglite, changer, observer } = await pgliteInstances(t)
  const seed = await seedValidation(changer)
  for (const app of [changer, observer]) {
    const warmed = await warm(app, async () => String((await verify(app, seed.personal.token)).statusCode))
    t.same(warmed, { answer: '200', cached: true })
  }
  await pglite.transaction(async (tx) => {
    await tx.query('UPDATE tokens SET revoked_at = now() WHERE id = $1', [seed.personal.id])
    await tx.query('SELECT pg_notify($1, $2)', [
      'latchkey_token_changes',
      JSON.stringify({ type: 'token', id: seed.personal.id }),
    ])
  })
  for (const app of [changer, observer]) t.equal((await verify(app, seed.personal.token)).statusCode, 401)
})

t.test(
  'while not listening, the cache is not used, and a change nobody announced is still seen',
  async (t) => {
    const { pglite, observer } = await pgliteInstances(t)
    const seed = await seedValidation(observer)
    const other = await createApiToken(
      observer.db,
      {
        accountId: seed.admin.accountId,
        userId: seed.admin.userId,
        name: 'y',
        permission: 'browse',
        expiresAt: null,
      },
      AUDIT,
    )
    for (const token of [seed.personal.token, other.token]) {
      const warmed = await warm(observer, async () => String((await verify(observer, token)).statusCode))
      t.same(warmed, { answer: '200', cached: true })
    }

    // What the PostgreSQL listener does when its connection drops (PGlite's cannot).
    observer.invalidations.distrust()
    t.equal(observer.tokens.cache.size.records, 0, 'the cache is emptied')
    await pglite.query('UPDATE tokens SET revoked_at = now() WHERE id = $1', [seed.personal.id])
    const bypassed = (await cacheLookups(observer)).bypass ?? 0
    t.equal((await verify(observer, seed.personal.token)).statusCode, 401, 'served from the database')
    t.equal((await verify(observer, other.token)).statusCode, 200)
    t.equal((await verify(observer, other.token)).statusCode, 200)
    t.equal((await cacheLookups(observer)).bypass, bypassed + 3, 'every lookup bypassed the cache')
    t.equal(observer.tokens.cache.size.records, 0, 'and nothing was stored')

    observer.invalidations.trust()
    const warmed = await warm(observer, async () => String((await verify(observer, other.token)).statusCode))
    t.same(warmed, { answer: '200', cached: true }, 'cached again once listening')
    t.equal((await verify(observer, seed.personal.token)).statusCode, 401)
  },
)
