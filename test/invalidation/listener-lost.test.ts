import pg from 'pg'
import t from 'tap'
import { createApiToken, revokeApiToken } from '../../src/api-tokens/service.js'
import { connectDatabase } from '../../src/db/connect.js'
import { LISTENER_APPLICATION_NAME } from '../../src/invalidation/listener.js'
import { AUDIT, nextFeedEvent } from '../fixtures.js'
import { cacheLookups, seedValidation, verify } from '../validation/fixtures.js'
import { postgresInstances, waitFor, warm } from './instances.js'

// Runs against PostgreSQL in both CI runs (see POSTGRES_SERVER_URL in instances.ts);
// the PGlite counterpart (whose notifications cannot be lost) is the last test of in-process.test.ts.
t.test(
  'the LISTEN connection killed from PostgreSQL: the cache is not trusted until listening again',
  async (t) => {
    const {
      instances: [observer],
      url,
    } = await postgresInstances(t, 1, { listener: { retryMs: 2_500 } }) // a gap long enough to act in
    if (!observer) throw new Error('one instance expected')
    const app = observer.app
    // Changes come from a plain connection pool, as from another instance or the CLI.
    const changer = await connectDatabase({ databaseUrl: url, pgliteDataDir: '' })
    t.teardown(() => changer.close())
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    t.teardown(() => admin.end())

    const seed = await seedValidation(app)
    const mint = () =>
      createApiToken(
        app.db,
        {
          accountId: seed.admin.accountId,
          userId: seed.admin.userId,
          name: 't',
          permission: 'browse',
          expiresAt: null,
        },
        AUDIT,
      )
    const [inGap, whileDown, survivor] = [await mint(), await mint(), await mint()]
    const revoke = (id: number) =>
      revokeApiToken(changer.db, { accountId: seed.admin.accountId, tokenId: id, now: new Date() }, AUDIT)
    const status = (token: string) => async () => String((await verify(app, token)).statusCode)
    for (const token of [inGap, whileDown, survivor])
      t.same(await warm(app, status(token.token)), { answer: '200', cached: true })

    const listeners = async () =>
      (
        await admin.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
          [LISTENER_APPLICATION_NAME],
        )
      ).rows.map((row) => row.pid)
    const [listener] = await listeners()
    t.ok(listener, 'the listening connection is found by its application_name')
    await admin.query('SELECT pg_terminate_backend($1)', [listener])
    await revoke(inGap.id) // announced while nobody listens: this NOTIFY is lost for the instance

    const started = performance.now()
    if (app.invalidations.trusted) await nextFeedEvent(app, 1_000) // distrust() empties the caches
    t.notOk(app.invalidations.trusted, `the loss is noticed (${(performance.now() - started).toFixed(1)} ms)`)
    t.equal(
      (await app.metrics.invalidationListening.get()).values[0]?.value,
      0,
      'the listening gauge says so',
    )
    t.equal(app.tokens.cache.size.records, 0, 'the cache is emptied')

    await revoke(whileDown.id)
    const bypassed = (await cacheLookups(app)).bypass ?? 0
    t.equal(await status(whileDown.token)(), '401', 'a revocation while not listening is seen at once')
    t.equal(await status(inGap.token)(), '401', 'and so is the one whose NOTIFY was lost')
    t.equal(await status(survivor.token)(), '200')
    t.notOk(app.invalidations.trusted, 'those answers were given while not listening')
    t.equal((await cacheLookups(app)).bypass, bypassed + 3, 'from the database, not the cache')
    t.equal(app.tokens.cache.size.records, 0, 'and nothing was stored meanwhile')

    const again = await waitFor(app, async () => String(app.invalidations.trusted), 'true')
    t.equal(again.answer, 'true', `listening again after ${again.elapsedMs.toFixed(0)} ms`)
    const [replacement] = await listeners()
    t.ok(replacement && replacement !== listener, 'on a new connection')
    t.equal(await status(inGap.token)(), '401')
    t.same(
      await warm(app, status(survivor.token)),
      { answer: '200', cached: true },
      'the cache is used again',
    )
    await revoke(survivor.id)
    const seen = await waitFor(app, status(survivor.token), '401')
    t.equal(seen.answer, '401')
    t.ok(seen.elapsedMs < 1000, `and changes arrive again (${seen.elapsedMs.toFixed(1)} ms)`)
  },
)
