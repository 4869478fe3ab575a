import t from 'tap'
import { Browser, build, DATABASE_KIND, PASSWORD, seedFirstAdmin, testConfig } from '../helper.js'

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

t.test(`GET /metrics serves the required families (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t, { loginMaxFailuresPerEmail: 2 })
  const admin = await seedFirstAdmin(app)

  await app.inject({ url: '/healthz' })
  await app.inject({ url: '/assets/style.css' })
  await app.inject({ url: '/no/such/page?token=abc' })
  await app.inject({ url: '/api/v1/me', headers: { authorization: 'Bearer lkp_not-a-token' } })
  const browser = new Browser(app)
  await browser.login(admin.email, PASSWORD)
  const other = new Browser(app)
  t.equal(
    (await other.post('/login', { email: 'nobody@example.com', password: 'wrong password 1' })).statusCode,
    401,
  )
  await other.post('/login', { email: 'nobody@example.com', password: 'wrong password 2' })
  t.equal((await other.post('/login', { email: 'nobody@example.com', password: PASSWORD })).statusCode, 429)

  const response = await app.inject({ url: '/metrics' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.equal(response.headers['cache-control'], 'no-store')
  const text = response.body

  t.equal(sample(text, 'latchkey_http_requests_total', { route: '/healthz', status: '200' }), 1)
  t.equal(
    sample(text, 'latchkey_http_requests_total', { route: '/assets/*', status: '200' }),
    1,
    'labelled by the route pattern, not the raw URL',
  )
  t.equal(sample(text, 'latchkey_http_requests_total', { route: '(unmatched)', status: '404' }), 1)
  t.notMatch(text, 'no/such/page', 'raw URLs never become labels')
  t.ok(
    (sample(text, 'latchkey_http_request_duration_seconds_bucket', { route: '/healthz', le: '+Inf' }) ?? 0) >=
      1,
    'latency histogram by route',
  )
  t.equal(sample(text, 'latchkey_token_validations_total', { outcome: 'malformed' }), 1)
  t.equal(sample(text, 'latchkey_logins_total', { result: 'success' }), 1)
  t.equal(sample(text, 'latchkey_logins_total', { result: 'failure' }), 2)
  t.equal(sample(text, 'latchkey_logins_total', { result: 'lockout' }), 1)
  t.match(text, '# TYPE latchkey_housekeeping_deleted_total counter')
  t.ok((sample(text, 'nodejs_eventloop_lag_seconds') ?? -1) >= 0, 'event-loop lag')
  t.ok((sample(text, 'nodejs_eventloop_lag_p99_seconds') ?? -1) >= 0, 'event-loop lag percentiles')
  if (DATABASE_KIND === 'postgres') {
    t.ok((sample(text, 'latchkey_db_pool_connections_in_use') ?? -1) >= 0, 'pool: in use')
    t.ok((sample(text, 'latchkey_db_pool_connections_idle') ?? -1) >= 0, 'pool: idle')
    t.equal(sample(text, 'latchkey_db_pool_waiting_requests'), 0, 'pool: waiting')
    t.equal(sample(text, 'latchkey_db_pool_max_connections'), 10, 'pool: size')
  } else {
    t.notMatch(text, 'latchkey_db_pool_', 'PGlite has no pool, so no pool series')
  }
})

t.test('/metrics is served to loopback by default, elsewhere only with the token', async (t) => {
  const { app } = await build(t)
  for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
    t.equal((await app.inject({ url: '/metrics', remoteAddress: address })).statusCode, 200, address)
  }
  const denied = await app.inject({ url: '/metrics', remoteAddress: '10.0.0.5' })
  t.equal(denied.statusCode, 403)
  t.match(denied.json(), { statusCode: 403, error: 'Forbidden', message: /METRICS_TOKEN/ })
  t.notMatch(denied.body, 'latchkey_')
})

t.test('METRICS_TOKEN opens /metrics to a scraper anywhere; a wrong token is refused', async (t) => {
  const token = 'scrape-secret-0123456789abcdef'
  const { app } = await build(t, { metricsToken: token })
  const remote = { url: '/metrics', remoteAddress: '203.0.113.9' }
  t.equal((await app.inject({ ...remote, headers: { authorization: `Bearer ${token}` } })).statusCode, 200)
  const wrong = await app.inject({ ...remote, headers: { authorization: `Bearer ${token}x` } })
  t.equal(wrong.statusCode, 401)
  t.match(wrong.headers['www-authenticate'], /^Bearer /)
  const none = await app.inject(remote)
  t.equal(none.statusCode, 401)
  t.equal((await app.inject({ url: '/metrics' })).statusCode, 200, 'loopback still works without it')
})

t.test('METRICS_ALLOW replaces the loopback default; TRUST_PROXY decides the client address', async (t) => {
  const { app } = await build(t, {
    metricsAllow: testConfig({}, { METRICS_ALLOW: '10.0.0.0/8' }).metricsAllow,
  })
  t.equal((await app.inject({ url: '/metrics', remoteAddress: '10.20.30.40' })).statusCode, 200)
  t.equal((await app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' })).statusCode, 403)

  const proxied = await build(t, { trustProxy: true })
  const viaProxy = await proxied.app.inject({
    url: '/metrics',
    remoteAddress: '127.0.0.1',
    headers: { 'x-forwarded-for': '198.51.100.7' },
  })
  t.equal(viaProxy.statusCode, 403, 'behind a trusted proxy the real client address counts')
})

t.test('METRICS_ALLOW and METRICS_TOKEN are validated at start-up', async (t) => {
  t.same(testConfig({}, { METRICS_ALLOW: 'none' }).metricsAllow, [])
  t.same(testConfig({}, { METRICS_ALLOW: 'any' }).metricsAllow, ['0.0.0.0/0', '::/0'])
  t.same(testConfig({}, { METRICS_ALLOW: 'loopback, 192.168.1.7, fd00::/8' }).metricsAllow, [
    '127.0.0.0/8',
    '::1/128',
    '192.168.1.7/32',
    'fd00::/8',
  ])
  t.throws(() => testConfig({}, { METRICS_ALLOW: '10.0.0.0/33' }), /^METRICS_ALLOW must be/)
  t.throws(() => testConfig({}, { METRICS_ALLOW: 'example.com' }), /^METRICS_ALLOW must be/)
  t.throws(() => testConfig({}, { METRICS_TOKEN: 'short' }), /^METRICS_TOKEN must be at least 16 bytes/)
})
