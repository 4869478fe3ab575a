import pg from 'pg'
import t from 'tap'
import { createApiToken, revokeApiToken } from '../../src/api-tokens/service.js'
import { LISTENER_APPLICATION_NAME } from '../../src/invalidation/listener.js'
import { publishInvalidation } from '../../src/invalidation/publish.js'
import { AUDIT } from '../fixtures.js'
import { seedFirstAdmin } from '../helper.js'
import { postgresInstances } from '../invalidation/instances.js'
import { invalidates, isReady, openStream, serviceBasic } from './stream-client.js'

// PostgreSQL in both CI runs (POSTGRES_SERVER_URL in test/invalidation/instances.ts):
// two instances, two transactions open at once and a killed LISTEN connection need a server.

t.test('a change made on instance A reaches a stream served by instance B', async (t) => {
  const {
    instances: [a, b],
  } = await postgresInstances(t, 2)
  if (!a || !b) throw new Error('two instances expected')
  const admin = await seedFirstAdmin(a.app)
  const service = await serviceBasic(a.app)
  const stream = await openStream(t, b.app, service.basic)
  await stream.next(isReady)
  const token = await createApiToken(
    a.app.db,
    { accountId: admin.accountId, userId: admin.userId, name: 'x', permission: 'browse', expiresAt: null },
    AUDIT,
  )
  const started = performance.now()
  await revokeApiToken(a.app.db, { accountId: admin.accountId, tokenId: token.id, now: new Date() }, AUDIT)
  await stream.next(invalidates({ type: 'token', id: token.id }))
  const elapsed = performance.now() - started
  t.ok(elapsed < 1000, `on B's stream ${elapsed.toFixed(0)} ms after A committed (CONTRACT 1: within 1 s)`)
})

t.test('commit order is not id order: a client that saw 10 is still sent 9', async (t) => {
  const {
    instances: [instance],
  } = await postgresInstances(t, 1)
  if (!instance) throw new Error('one instance expected')
  const { app } = instance
  const service = await serviceBasic(app)
  const first = await openStream(t, app, service.basic)
  await first.next(isReady)

  // Transaction A takes its event id and stays open; B takes the next id and commits first.
  let release = () => {}
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  let published = () => {}
  const aPublished = new Promise<void>((resolve) => {
    published = resolve
  })
  const slow = app.db.transaction().execute(async (trx) => {
    await publishInvalidation(trx, { type: 'user', id: 9 })
    published()
    await held
  })
  await aPublished
  await app.db.transaction().execute((trx) => publishInvalidation(trx, { type: 'user', id: 10 }))
  const seen = await first.next(invalidates({ type: 'user', id: 10 }))
  first.close()
  await first.ended

  release()
  await slow // A commits while the client is away
  const [aRow] = await app.db.selectFrom('token_events').select('id').orderBy('id').execute()
  t.ok(Number(aRow?.id) < Number(seen.id), `A took id ${aRow?.id}, below B's ${seen.id}`)

  const again = await openStream(t, app, service.basic, { lastEventId: String(seen.id) })
  await again.next(isReady)
  const replayed = again.events.find(invalidates({ type: 'user', id: 9 }))
  t.ok(replayed, 'the replay after Last-Event-ID 10 carries 9')
  t.equal(replayed?.id, String(aRow?.id))
  t.notOk(
    again.events.some((event) => event.event === 'reset'),
    'no reset: nothing was lost',
  )
})

t.test(
  'the LISTEN connection lost: every stream gets reset and ends; new ones wait for listening',
  async (t) => {
    const {
      instances: [instance],
      url,
    } = await postgresInstances(t, 1, { listener: { retryMs: 30_000 } })
    if (!instance) throw new Error('one instance expected')
    const { app } = instance
    const service = await serviceBasic(app)
    const stream = await openStream(t, app, service.basic)
    await stream.next(isReady)
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    t.teardown(() => admin.end())
    await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
      [LISTENER_APPLICATION_NAME],
    )
    await stream.next((event) => event.event === 'reset')
    await stream.ended
    t.pass('reset, then the server ended the stream')
    t.equal(app.invalidations.trusted, false)
    const refused = await openStream(t, app, service.basic)
    t.equal(refused.status, 503, 'not listening: a new stream is refused (the client retries)')
  },
)
