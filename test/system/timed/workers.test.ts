import { request as httpRequest } from 'node:http'
import t, { type Test } from 'tap'
import { createApiToken } from '../../../src/api-tokens/service.js'
import { setupFirstAdmin } from '../../../src/users/service.js'
import { AUDIT, LATCHKEY, runLatchkey } from '../../fixtures.js'
import { DATABASE_KIND, PASSWORD } from '../../helper.js'
import {
  freePort,
  httpOnce,
  type LogLine,
  openServerDatabase,
  type ServerProcess,
  serverDatabaseEnv,
  startServerProcess,
} from '../server-process.js'

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** Value of one sample line (`name{labels} value`) in the exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1))
    }
  }
  return undefined
}

/** A user and two API tokens, made before the server starts. */
async function seed(env: Record<string, string>) {
  const database = await openServerDatabase(env)
  const admin = await setupFirstAdmin(
    database.db,
    { email: 'ops@example.com', name: 'Ops', password: PASSWORD, accountName: 'Acme' },
    { ip: '127.0.0.1', userAgent: 'test' },
  )
  const token = (name: string, permission: 'admin' | 'browse') =>
    createApiToken(
      database.db,
      { accountId: admin.accountId, userId: admin.userId, name, permission, expiresAt: null },
      AUDIT,
    )
  const operator = await token('operator', 'admin')
  const victim = await token('victim', 'browse')
  await database.close()
  return { operator, victim }
}

/** The ISO time, service and version fields every log line carries (CONTRACT 12). */
function checkLogLines(t: Test, logs: LogLine[]): void {
  const json = logs.filter((l) => l.level > 0)
  t.ok(json.length > 5, `the server logged JSON lines (${json.length})`)
  t.same(
    json.filter((l) => typeof l.time !== 'string' || !ISO_TIME.test(l.time)).map((l) => l.time),
    [],
    'every line has an ISO-8601 time',
  )
  t.same(
    json.filter((l) => l.service !== 'latchkey' || typeof l.version !== 'string').map((l) => l.msg),
    [],
    'every line names the service and its version',
  )
}

function buildInfo(t: Test, text: string): void {
  t.match(
    text,
    /^latchkey_build_info\{version="\d+\.\d+\.\d+[^"]*",node="v\d+[^"]*"\} 1$/m,
    'build_info is 1',
  )
}

/** Distinct `X-Latchkey-Worker` values of answers to `path`, asked on new connections until `done` or 60 tries. */
async function askWorkers(
  port: number,
  path: string,
  headers: Record<string, string>,
  done: (answers: Map<string, number>) => boolean,
): Promise<Map<string, number>> {
  const answers = new Map<string, number>()
  for (let i = 0; i < 60 && !done(answers); i++) {
    const response = await httpOnce(port, path, { headers })
    answers.set(String(response.headers['x-latchkey-worker']), response.status)
  }
  return answers
}

// The rules themselves are in test/ops/config-ops.test.ts; here, how `serve` stops on one.
t.test(`WORKERS above 1 without PostgreSQL stops start-up with one line (${DATABASE_KIND})`, async (t) => {
  const run = await runLatchkey(['serve'], { DATA_DIR: '/nonexistent', WORKERS: '2' })
  t.equal(run.code, 2, 'exit 2')
  t.equal(run.stderr.trim().split('\n').length, 1, 'one line')
  t.match(run.stderr, /^latchkey: WORKERS=2 needs DATABASE_URL/)
})

if (DATABASE_KIND === 'pglite') {
  // The embedded database is one process's, so workers need PostgreSQL (above); one process
  // still has the metrics port, build_info and the log fields.
  t.test('one process: the metrics port, build_info, ISO log times (pglite)', async (t) => {
    const env = await serverDatabaseEnv(t)
    await seed(env)
    const metricsPort = await freePort()
    const server = await startServerProcess(t, LATCHKEY, { ...env, METRICS_PORT: String(metricsPort) })
    t.equal((await httpOnce(server.port, '/healthz')).status, 200)
    t.equal((await httpOnce(server.port, '/metrics')).status, 404, 'no /metrics on PORT')
    const scrape = await httpOnce(metricsPort, '/metrics')
    t.equal(scrape.status, 200, '/metrics on METRICS_PORT')
    t.equal(sample(scrape.body, 'latchkey_http_requests_total', { route: '/healthz', status: '200' }), 1)
    buildInfo(t, scrape.body)
    t.equal((await httpOnce(metricsPort, '/healthz')).status, 404, 'METRICS_PORT serves /metrics only')
    t.equal(
      (await httpOnce(metricsPort, '/metrics', { headers: { authorization: 'Bearer wrong-token' } })).status,
      200,
      'loopback is allowed without METRICS_TOKEN, as on PORT',
    )
    t.equal(
      (await httpOnce(server.port, '/healthz')).headers['x-latchkey-worker'],
      undefined,
      'no worker header',
    )
    server.child.kill('SIGTERM')
    t.equal(await server.exited, 0)
    checkLogLines(t, server.logs)
  })
} else {
  t.test('two workers (postgres)', async (t) => {
    const env = await serverDatabaseEnv(t)
    const { operator, victim } = await seed(env)
    const metricsPort = await freePort()
    const server: ServerProcess = await startServerProcess(t, LATCHKEY, {
      ...env,
      WORKERS: '2',
      METRICS_PORT: String(metricsPort),
      SHUTDOWN_TIMEOUT_SECONDS: '20',
    })
    const listening = (worker: number) =>
      server.waitForLog((l) => l.worker === worker && /^Server listening at .*:(\d+)$/.test(l.msg) && !l.port)
    const [first, second] = await Promise.all([listening(1), listening(2)])
    t.ok(first.pid !== second.pid, 'two worker processes')

    // Both serve.
    const health = await askWorkers(server.port, '/healthz', {}, (a) => a.size === 2)
    t.same([...health.keys()].sort(), ['1', '2'], 'both workers answer on PORT')

    // A revocation reaches both within a second: each holds the token in its cache first.
    const bearer = { authorization: `Bearer ${victim.token}` }
    const warm = await askWorkers(server.port, '/verify', bearer, (a) => a.size === 2)
    t.same(Object.fromEntries(warm), { 1: 200, 2: 200 }, 'the token is active on both')
    const revokedAt = Date.now()
    const revoke = await httpOnce(server.port, `/api/v1/tokens/${victim.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${operator.token}` },
    })
    t.equal(revoke.status, 204, 'revoked through the API')
    const inactive = await askWorkers(
      server.port,
      '/verify',
      bearer,
      (a) => a.get('1') === 401 && a.get('2') === 401,
    )
    const took = Date.now() - revokedAt
    t.same(Object.fromEntries(inactive), { 1: 401, 2: 401 }, 'both workers answer inactive')
    t.ok(took < 1000, `within a second of the revocation (${took} ms)`)

    // /metrics from both workers together, on METRICS_PORT only.
    t.equal((await httpOnce(server.port, '/metrics')).status, 404, 'no /metrics on PORT')
    const scrape = await httpOnce(metricsPort, '/metrics')
    t.equal(scrape.status, 200, '/metrics on METRICS_PORT')
    const healthzSeen = server.logs.filter((l) => l.msg === 'incoming request' && l.req?.url === '/healthz')
    t.ok(new Set(healthzSeen.map((l) => l.worker)).size === 2, 'both workers logged /healthz requests')
    t.equal(
      sample(scrape.body, 'latchkey_http_requests_total', { route: '/healthz', status: '200' }),
      healthzSeen.length,
      'the request counter is the sum over the workers',
    )
    t.equal(
      sample(scrape.body, 'latchkey_http_request_duration_seconds_count', {
        route: '/healthz',
        status: '200',
      }),
      healthzSeen.length,
      'and so is the duration histogram (metrics/tallied-histogram.ts)',
    )
    t.equal(sample(scrape.body, 'latchkey_invalidation_listening'), 1, 'every worker listens for changes')
    buildInfo(t, scrape.body)

    // A worker that dies is replaced.
    process.kill(Number(second.pid), 'SIGKILL')
    await server.waitForLog((l) => l.msg === 'worker stopped unexpectedly; restarting' && l.worker === 2)
    const replaced = await server.waitForLog(
      (l) => l.worker === 2 && l.pid !== second.pid && l.msg.startsWith('Server listening') && !l.port,
    )
    t.ok(replaced.pid, 'worker 2 runs again in a new process')

    // SIGTERM drains both: requests in flight on each worker finish, then exit 0.
    const login = await httpOnce(server.port, '/login')
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)?.[1] ?? ''
    const cookie = ([] as string[])
      .concat(login.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0])
      .join('; ')
    const body = `_csrf=${encodeURIComponent(csrf)}&padding=${'x'.repeat(100)}`
    const slow = [1, 2, 3, 4].map((n) => {
      let finish = () => {}
      const answered = new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: server.port,
            method: 'POST',
            path: `/logout?slow=${n}`,
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
        req.write(body.slice(0, 10))
        finish = () => req.end(body.slice(10))
      })
      return { answered, finish: () => finish() }
    })
    const inFlight = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        server.waitForLog((l) => l.msg === 'incoming request' && Boolean(l.req?.url.endsWith(`slow=${n}`))),
      ),
    )
    t.same(new Set(inFlight.map((l) => l.worker)).size, 2, 'requests are in flight on both workers')
    server.child.kill('SIGTERM')
    await Promise.all(
      [1, 2].map((w) => server.waitForLog((l) => l.msg === 'shutting down' && l.worker === w)),
    )
    for (const request of slow) request.finish()
    t.same(
      await Promise.all(slow.map((s) => s.answered)),
      [303, 303, 303, 303],
      'in-flight requests finished',
    )
    t.equal(await server.exited, 0, `exit code 0 (stderr: ${server.stderr()})`)
    t.ok(server.logs.some((l) => l.msg === 'all workers have stopped' && l.clean === true))
    checkLogLines(t, server.logs)
  })
}
