import { EventEmitter } from 'node:events'
import { request as httpRequest } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { createApiToken } from '../../../src/api-tokens/service.js'
import { setupFirstAdmin } from '../../../src/users/service.js'
import { AUDIT, LATCHKEY } from '../../fixtures.js'
import { DATABASE_KIND, PASSWORD } from '../../helper.js'
import {
  httpOnce,
  type LogLine,
  openServerDatabase,
  serverDatabaseEnv,
  startServerProcess,
} from '../server-process.js'

const PATHS = ['/healthz', '/readyz', '/login', '/api/v1/me']

/**
 * A request started this shortly before the signal may reach the server after
 * it (delivery, and the server's event loop, take time), so it is judged by the
 * rules for requests after the signal.
 */
const SIGNAL_MARGIN_MS = 1000

interface Outcome {
  n: number
  startedAt: number
  status?: number
  error?: string
}

/**
 * What "no request fails" means here: every request the server had begun to
 * handle when SIGTERM came (it logged "incoming request") is answered in full
 * with its normal status; a request that reaches the server after shutdown
 * began is either answered normally, answered 503 with `Connection: close`, or
 * refused at the connection level without the server reading it — which a
 * load balancer retries on another instance. Nothing is cut off half-way, and
 * every request sent clearly before the signal (SIGNAL_MARGIN_MS) succeeds.
 */
t.test(`SIGTERM during traffic loses no request (${DATABASE_KIND})`, async (t) => {
  const env = { ...(await serverDatabaseEnv(t)), SHUTDOWN_TIMEOUT_SECONDS: '20' }
  // A user and an API token, made before the server starts (PGlite allows one process at a time).
  const seed = await openServerDatabase(env)
  const admin = await setupFirstAdmin(
    seed.db,
    { email: 'ops@example.com', name: 'Ops', password: PASSWORD, accountName: 'Acme' },
    { ip: '127.0.0.1', userAgent: 'test' },
  )
  const { token, id: tokenId } = await createApiToken(
    seed.db,
    { accountId: admin.accountId, userId: admin.userId, name: 'load', permission: 'browse', expiresAt: null },
    AUDIT,
  )
  await seed.close()

  const server = await startServerProcess(t, LATCHKEY, env)

  // An anonymous CSRF token, for a POST whose body will arrive only after the signal.
  const login = await httpOnce(server.port, '/login')
  t.equal(login.status, 200)
  const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)?.[1] ?? ''
  const cookie = ([] as string[])
    .concat(login.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ')
  t.ok(csrf && cookie.includes('lk_csrf='), 'got a CSRF token and its cookie')

  let signalAt = Number.POSITIVE_INFINITY
  let stop = false
  let counter = 0
  const outcomes: Outcome[] = []
  const progress = new EventEmitter()
  const lane = async () => {
    while (!stop) {
      counter += 1
      const n = counter
      const outcome: Outcome = { n, startedAt: Date.now() }
      outcomes.push(outcome)
      try {
        outcome.status = (
          await httpOnce(server.port, `${PATHS[n % PATHS.length]}?n=${n}`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).status
      } catch (error) {
        outcome.error = (error as NodeJS.ErrnoException).code ?? String(error)
        await sleep(20)
      }
      progress.emit('outcome')
    }
  }
  /** Resolves once the lanes' outcomes satisfy `test` (checked after every request). */
  const outcomesReach = (test: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!test()) return
        progress.off('outcome', check)
        resolve()
      }
      progress.on('outcome', check)
      check()
    })
  const lanes = [lane(), lane(), lane(), lane()]
  // Traffic is flowing, and more than 10 answered requests began clearly before any signal can come.
  await outcomesReach(
    () => outcomes.filter((o) => o.status === 200 && o.startedAt < Date.now() - SIGNAL_MARGIN_MS).length > 10,
  )

  // The slow request: headers now, the rest of the body after the signal.
  const body = `_csrf=${encodeURIComponent(csrf)}&padding=${'x'.repeat(200)}`
  const slow = new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/logout?n=slow',
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength(body)),
          cookie,
        },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.write(body.slice(0, 20))
    server
      .waitForLog((l) => l.msg === 'incoming request' && Boolean(l.req?.url.includes('n=slow')))
      .then(async () => {
        signalAt = Date.now()
        server.child.kill('SIGTERM')
        await server.waitForLog((l) => l.msg === 'shutting down')
        req.end(body.slice(20))
      }, reject)
  })

  t.equal(await slow, 303, 'the request in flight at SIGTERM finished with its normal answer')
  const code = await server.exited
  t.equal(code, 0, `exit code 0 (stderr: ${server.stderr()})`)
  const exitedAt = Date.now()
  await outcomesReach(() => outcomes.some((o) => o.startedAt >= exitedAt && o.error)) // refused once gone
  stop = true
  await Promise.all(lanes)

  const after = await httpOnce(server.port, '/healthz').then(
    () => 'answered',
    (error: NodeJS.ErrnoException) => error.code,
  )
  t.equal(after, 'ECONNREFUSED', 'the port is closed once the server has exited')

  // The server's own view: every request it started was completed with a success or a redirect.
  const started = server.logs.filter((l) => l.msg === 'incoming request')
  const completed = new Map(
    server.logs.filter((l) => l.msg === 'request completed').map((l) => [l.reqId, l] as [string, LogLine]),
  )
  t.ok(started.length > 20, `the server handled a stream of requests (${started.length})`)
  const unfinished = started.filter((l) => {
    const status = completed.get(l.reqId ?? '')?.res?.statusCode ?? 0
    return status < 200 || status >= 400
  })
  t.same(
    unfinished.map((l) => l.req?.url),
    [],
    'every request the server started was answered with 2xx/3xx',
  )

  // The client's view.
  const before = outcomes.filter((o) => o.startedAt < signalAt - SIGNAL_MARGIN_MS)
  t.ok(before.length > 10, `requests before the signal: ${before.length}`)
  t.same(
    before.filter((o) => o.status === undefined || o.status >= 400),
    [],
    'every request sent before the signal succeeded',
  )
  const afterSignal = outcomes.filter((o) => o.startedAt >= signalAt - SIGNAL_MARGIN_MS)
  t.ok(afterSignal.length > 0, `requests after the signal: ${afterSignal.length}`)
  const seenByServer = new Set(started.map((l) => /[?&]n=(\d+)/.exec(l.req?.url ?? '')?.[1]))
  const answered = afterSignal.filter((o) => o.status !== undefined)
  t.same(
    answered.filter((o) => o.status !== 503 && (o.status ?? 0) >= 400),
    [],
    'requests after the signal that were answered got their normal answer or 503',
  )
  const refused = afterSignal.filter((o) => o.status === undefined)
  t.same(
    refused.filter((o) => !['ECONNREFUSED', 'ECONNRESET'].includes(o.error ?? '')),
    [],
    'the others were refused at the connection level',
  )
  t.same(
    refused.filter((o) => seenByServer.has(String(o.n))),
    [],
    'and none of those had been read by the server (a load balancer may retry them)',
  )
  t.ok(
    server.logs.some((l) => l.msg === 'shut down cleanly'),
    'the server logged a clean shutdown',
  )
  t.same(
    server.logs.filter((l) => l.level >= 40).map((l) => l.msg),
    [],
    'nothing was logged as a warning or an error',
  )

  // Token use is written in batches; the last batch is flushed on the way out, before the pool closes.
  const reopened = await openServerDatabase(env)
  t.teardown(() => reopened.close())
  const row = await reopened.db
    .selectFrom('tokens')
    .select('last_used_at')
    .where('id', '=', tokenId)
    .executeTakeFirst()
  t.ok(row?.last_used_at, 'the token use seen before the signal was recorded during shutdown')
})
