import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { ConfigError, loadConfig } from '../../src/config.js'
import type { TrustProxy } from '../../src/config-ops.js'
import {
  Browser,
  DATABASE_KIND,
  freshDatabase,
  seedFirstAdmin,
  type Teardown,
  testConfig,
} from '../helper.js'

// CONTRACT 12: TRUST_PROXY takes true, false, a hop count or addresses; an
// invalid value stops start-up. Fastify 5 reads a bare hop count as "trust
// nobody", which is how TRUST_PROXY=2 used to be accepted and then ignored.

const SECRET = 'x'.repeat(40)

function trustProxyOf(value: string): TrustProxy {
  return loadConfig({ SESSION_SECRET: SECRET, TRUST_PROXY: value }).trustProxy
}

t.test('TRUST_PROXY forms, and invalid values stop start-up with one line', async (t) => {
  t.equal(trustProxyOf(''), false)
  t.equal(trustProxyOf('false'), false)
  t.equal(trustProxyOf('0'), false, 'no hops: nobody')
  t.equal(trustProxyOf('true'), true)
  t.equal(trustProxyOf('2'), 2, 'a hop count')
  t.same(trustProxyOf('10.0.0.2, 172.16.0.0/12,fd00::/8'), ['10.0.0.2/32', '172.16.0.0/12', 'fd00::/8'])
  t.same(trustProxyOf('loopback'), ['127.0.0.0/8', '::1/128'], 'the names proxy-addr knew')
  t.same(trustProxyOf('uniquelocal,linklocal'), [
    '10.0.0.0/8',
    '172.16.0.0/12',
    '192.168.0.0/16',
    'fc00::/7',
    '169.254.0.0/16',
    'fe80::/10',
  ])
  for (const value of ['yes', '-1', '10.0.0.0/99', '2.5', '101', 'proxy.example.com', '10.0.0.1,', '1e3']) {
    try {
      loadConfig({ SESSION_SECRET: SECRET, TRUST_PROXY: value })
      t.fail(`TRUST_PROXY=${value} was accepted`)
    } catch (error) {
      t.ok(error instanceof ConfigError, `TRUST_PROXY=${value} is refused`)
      t.match((error as Error).message, /^TRUST_PROXY must be true, false, a hop count from 1 to 100, or/)
      t.match((error as Error).message, `got "${value}"`)
      t.notMatch((error as Error).message, /\n/, 'one line')
    }
  }
})

/** A deployment on a shared database with this TRUST_PROXY, its log lines kept. */
async function deployment(
  t: Teardown,
  database: Awaited<ReturnType<typeof freshDatabase>>['database'],
  trustProxy: TrustProxy,
) {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      done()
    },
  })
  const app = await buildApp(testConfig({ trustProxy }), { database, logger: { stream, level: 'info' } })
  t.teardown(() => app.close())
  await app.ready()
  return { app, lines }
}

// What the client claimed, the client as the first proxy saw it, the first proxy as the
// second saw it; the second proxy is the socket's peer.
const FORWARDED_FOR = '203.0.113.66, 198.51.100.7, 10.0.0.1'

/** Signs in through the proxies and returns the address the sessions page shows for that session. */
async function addressSeen(app: FastifyInstance, email: string, password: string): Promise<string> {
  const browser = new Browser(app)
  await browser.get('/login')
  const signIn = await browser.post('/login', { email, password }, { 'x-forwarded-for': FORWARDED_FOR })
  if (signIn.statusCode !== 303) throw new Error(`sign-in answered ${signIn.statusCode}`)
  const page = await browser.get('/settings/profile/sessions')
  const current = /<tr aria-current="true">([\s\S]*?)<\/tr>/.exec(page.body)?.[1] ?? ''
  return (
    /data-label="IP address"[^>]*>([^<]*)</.exec(current)?.[1] ??
    `no address on the page (${page.statusCode})`
  )
}

t.test(
  `a hop count trusts that many proxies: request.ip is the client they saw (${DATABASE_KIND})`,
  async (t) => {
    const { database } = await freshDatabase(t)
    const twoHops = await deployment(t, database, trustProxyOf('2'))
    const admin = await seedFirstAdmin(twoHops.app)
    t.equal(
      await addressSeen(twoHops.app, admin.email, admin.password),
      '198.51.100.7',
      'two hops: the entry the first proxy added, not what the client claimed',
    )
    const oneHop = await deployment(t, database, trustProxyOf('1'))
    t.equal(
      await addressSeen(oneHop.app, admin.email, admin.password),
      '10.0.0.1',
      'one hop: the first proxy',
    )
    const none = await deployment(t, database, trustProxyOf('false'))
    t.equal(
      await addressSeen(none.app, admin.email, admin.password),
      '127.0.0.1',
      'no proxy: the socket peer',
    )
    const listed = await deployment(t, database, trustProxyOf('127.0.0.1,10.0.0.0/8'))
    t.equal(
      await addressSeen(listed.app, admin.email, admin.password),
      '198.51.100.7',
      'addresses: past the listed proxies',
    )

    // X-Request-Id: the proxy's id when the request came straight from a trusted proxy.
    const withId = (remoteAddress: string, id: string) =>
      listed.app.inject({ url: '/healthz', remoteAddress, headers: { 'x-request-id': id } })
    const fromProxy = await withId('10.1.2.3', 'nginx-5f2c9a0e1b7d')
    t.equal(fromProxy.headers['x-request-id'], 'nginx-5f2c9a0e1b7d', 'a trusted proxy’s request id is kept')
    const fromClient = await withId('192.0.2.10', 'chosen-by-the-client')
    t.match(
      fromClient.headers['x-request-id'],
      /^[0-9a-f-]{36}$/,
      'a client’s own id is replaced by a fresh one',
    )
    const odd = await withId('10.1.2.3', 'has spaces and "quotes"')
    t.match(odd.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'an id that could bend a log line is replaced')
    const long = await withId('10.1.2.3', 'a'.repeat(129))
    t.match(long.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'so is an overlong one')
    t.ok(
      listed.lines.some((line) => JSON.parse(line).reqId === 'nginx-5f2c9a0e1b7d'),
      'log lines carry the proxy’s id',
    )
    t.notOk(
      listed.lines.some((line) => line.includes('chosen-by-the-client')),
      'and never the client’s',
    )

    const hops = await twoHops.app.inject({ url: '/healthz', headers: { 'x-request-id': 'lb-trace-1' } })
    t.equal(hops.headers['x-request-id'], 'lb-trace-1', 'with a hop count the peer is the nearest proxy')
    const untrusted = await none.app.inject({ url: '/healthz', headers: { 'x-request-id': 'lb-trace-2' } })
    t.match(untrusted.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'without TRUST_PROXY the header is ignored')
  },
)
