import { type IncomingMessage, request } from 'node:http'
import t from 'tap'
import { publishInvalidation } from '../../src/invalidation/publish.js'
import { revokeService } from '../../src/service-credentials/service.js'
import { MAX_UNSENT_BYTES } from '../../src/token-events/connection.js'
import { appWithCapturedLog, seedApplication, TestClock } from '../fixtures.js'
import { build, seedFirstAdmin } from '../helper.js'
import { baseUrl, invalidates, isReady, openStream, serviceBasic } from './stream-client.js'

const user = (id: number) => ({ type: 'user' as const, id })
const change = (app: Parameters<typeof serviceBasic>[0], id: number) =>
  app.db.transaction().execute((trx) => publishInvalidation(trx, user(id)))
const frames = (stream: { events: { event: string }[] }) => stream.events.map((event) => event.event)

t.test('only services may follow the stream: 401 invalid_client for everyone else', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const application = await seedApplication(app, admin)
  const service = await serviceBasic(app)
  for (const [name, authorization] of [
    ['an application', application.basic],
    ['an unknown service', service.basic.replace(/^Basic .*/, `Basic ${btoa('999:lks_nope')}`)],
    ['no credentials', ''],
  ] as const) {
    const response = await app.inject({
      url: '/token-events',
      headers: authorization ? { authorization } : {},
    })
    t.equal(response.statusCode, 401, name)
    t.equal(response.json().error, 'invalid_client', name)
  }
  const bad = await app.inject({ url: '/token-events?after=x', headers: { authorization: service.basic } })
  t.equal(bad.statusCode, 400, '?after= must be an id')
})

t.test('resuming: Last-Event-ID or ?after= replays what was missed, then ready', async (t) => {
  const { app } = await build(t)
  const service = await serviceBasic(app)
  const stream = await openStream(t, app, service.basic)
  const ready = await stream.next(isReady)
  t.same(frames(stream), ['ready'], 'a first connection: nothing to replay')
  await change(app, 1)
  const first = await stream.next(invalidates(user(1)))
  t.ok(Number(first.id) > (ready.data as { last_event_id: number }).last_event_id)
  stream.close()
  await change(app, 2) // while the client is away
  await change(app, 3)

  const resumed = await openStream(t, app, service.basic, { lastEventId: String(first.id) })
  const again = await resumed.next(isReady)
  // Only what came before `ready`: live events held during the replay follow it, maybe in the same read.
  const replayed = resumed.events
    .slice(0, resumed.events.indexOf(again))
    .filter((event) => event.event === 'invalidate')
    .map((event) => event.data)
  t.same(replayed.slice(-2), [user(2), user(3)], 'the missed events, in order, before ready')
  t.notOk(frames(resumed).includes('reset'))
  const last = resumed.events.find(invalidates(user(3)))
  t.equal((again.data as { last_event_id: number }).last_event_id, Number(last?.id))
  await change(app, 4)
  await resumed.next(invalidates(user(4)))
  t.pass('live after ready')

  const byQuery = await openStream(t, app, service.basic, { query: `?after=${last?.id}` })
  await byQuery.next(isReady)
  t.ok(byQuery.events.some(invalidates(user(4))), '?after= resumes the same way')
  t.notOk(frames(byQuery).includes('reset'))

  for (const unknown of ['999999', 'garbage']) {
    const lost = await openStream(t, app, service.basic, { lastEventId: unknown })
    await lost.next(isReady)
    t.same(frames(lost), ['reset', 'ready'], `Last-Event-ID ${unknown}: unknown, so reset`)
  }
})

t.test('a gap older than the retention: reset', async (t) => {
  const clock = new TestClock()
  const { app } = await build(t, { now: clock.now })
  const service = await serviceBasic(app)
  await change(app, 1)
  await change(app, 2)
  await change(app, 3)
  const ids = (await app.db.selectFrom('token_events').select('id').orderBy('id').execute()).map((r) =>
    Number(r.id),
  )
  clock.advance(25 * 3600)
  t.match(await app.housekeeping.run(), { token_events: 2 }, 'a day on: all but the newest event deleted')
  const behind = await openStream(t, app, service.basic, { lastEventId: String(ids[0]) })
  await behind.next(isReady)
  t.same(frames(behind), ['reset', 'ready'], 'the events after it are gone: reset')
  const current = await openStream(t, app, service.basic, { lastEventId: String(ids[2]) })
  await current.next(isReady)
  t.same(frames(current), ['invalidate', 'ready'], 'up to date: the newest is kept, so no reset')
})

t.test('heartbeats on an injected interval', async (t) => {
  const { app } = await build(t, {}, { tokenEvents: { heartbeatMs: 50 } })
  const service = await serviceBasic(app)
  const stream = await openStream(t, app, service.basic)
  await stream.next(() => stream.events.filter((event) => event.event === 'heartbeat').length >= 3)
  t.pass('three heartbeats')
})

t.test("a revoked service's stream ends", async (t) => {
  const { app } = await build(t)
  const service = await serviceBasic(app)
  const stream = await openStream(t, app, service.basic)
  await stream.next(isReady)
  await revokeService(app.db, service.id, new Date())
  await stream.ended
  t.pass('the server ended it')
  const again = await openStream(t, app, service.basic)
  t.equal(again.status, 401, 'and it cannot come back')
})

t.test('the request timeouts do not cut a stream; close() ends open streams', async (t) => {
  const { app } = await build(
    t,
    { requestTimeoutMs: 200, headersTimeoutMs: 200 },
    { tokenEvents: { heartbeatMs: 100 } },
  )
  const service = await serviceBasic(app)
  const streams = [await openStream(t, app, service.basic), await openStream(t, app, service.basic)]
  for (const stream of streams) await stream.next(isReady)
  const metrics = async () => (await app.inject('/metrics')).body
  t.match(await metrics(), /latchkey_token_event_streams 2/)
  await streams[0]?.next(() => (streams[0]?.events.filter((e) => e.event === 'heartbeat').length ?? 0) >= 12)
  t.pass('still open well past the request timeout')
  const closing = app.close()
  await Promise.all(streams.map((stream) => stream.ended))
  await closing
  t.pass('close() returned with two streams open, and ended them')
})

t.test('a client that stops reading is disconnected at 256 KiB unsent', async (t) => {
  const { app, lines } = await appWithCapturedLog(t)
  const service = await serviceBasic(app)
  const url = new URL(`${await baseUrl(app)}/token-events`)
  const slowLine = () =>
    lines
      .map((line) => JSON.parse(line) as { msg?: string; unsentBytes?: number })
      .find((entry) => entry.msg?.includes('too slow'))
  let firstChunk = (_response: IncomingMessage) => {}
  const live = new Promise<IncomingMessage>((resolve) => {
    firstChunk = resolve
  })
  const req = request(url, { headers: { authorization: service.basic } }, (res) => {
    res.once('data', () => {
      res.pause() // reads nothing more: the kernel's buffers fill, then the server's
      firstChunk(res)
    })
  })
  req.on('error', () => {})
  req.end()
  const response = await live // ready came: what follows is live
  // Announcements as the listener hands them over, far more than any socket buffer holds.
  let sent = 0
  while (!slowLine() && sent < 1_000_000) {
    for (let i = 0; i < 2000; i++) {
      sent += 1
      app.invalidations.announce({ change: { type: 'user', id: sent }, eventId: sent })
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  const line = slowLine()
  t.ok(line, `the server gave up on the client after ${sent} events`)
  t.ok(
    (line?.unsentBytes ?? Number.POSITIVE_INFINITY) <= MAX_UNSENT_BYTES + 1024,
    `at most 256 KiB (and one event) held for it: ${line?.unsentBytes}`,
  )
  // What the kernel still holds reaches the client once it reads again; then the connection ends.
  const closed = new Promise<void>((resolve) => {
    if (response.closed) resolve()
    response.on('close', resolve)
    response.on('error', () => resolve())
  })
  response.resume()
  await closed
  t.pass('the connection is closed')
  t.match((await app.inject('/metrics')).body, /latchkey_token_event_streams 0/)
})
