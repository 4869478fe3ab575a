import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { Browser, build, DATABASE_KIND, testConfig } from '../../helper.js'
import { compose } from './compose.js'

// Issue 11, "Also": docker-compose.yml set TRUST_PROXY=uniquelocal, so any client on a
// private network (or one a proxy reached from one) could forge X-Forwarded-For and
// pick the address that throttling, the audit log and /metrics see. Only the front
// proxy (nginx's fixed address) and the host's port forwarding (the gateway) are trusted now.

/** The compose file as docker-compose resolves it, with the scale profile (nginx) on. */
async function resolvedCompose(): Promise<string> {
  const { code, stdout, stderr } = await compose(['--profile', 'scale', 'config'])
  if (code !== 0) throw new Error(`docker-compose config failed: ${stderr}`)
  return stdout
}

/** The client address Latchkey believed for one failed sign-in: the throttle counts it under that key. */
async function clientAddressSeen(app: FastifyInstance, remoteAddress: string, forwardedFor: string) {
  const browser = new Browser(app)
  const csrf = await browser.csrfToken()
  await app.db.deleteFrom('login_throttle').execute()
  const response = await app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress,
    headers: {
      cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': forwardedFor,
    },
    payload: new URLSearchParams({
      _csrf: csrf,
      email: 'nobody@example.com',
      password: 'wrong-password',
    }).toString(),
  })
  if (response.statusCode !== 401) throw new Error(`sign-in answered ${response.statusCode}`)
  const row = await app.db
    .selectFrom('login_throttle')
    .select('key')
    .where('key', 'like', 'ip:%')
    .executeTakeFirst()
  return row?.key.slice('ip:'.length)
}

t.test(`the compose file trusts X-Forwarded-For from its front proxy only (${DATABASE_KIND})`, async (t) => {
  const compose = await resolvedCompose()
  const trusted = [...compose.matchAll(/^\s+TRUST_PROXY: (.+)$/gm)].map((m) => (m[1] ?? '').trim())
  t.equal(trusted.length, 3, 'both instances (and the migrate service, from the same block) set TRUST_PROXY')
  const trustProxy = trusted[0] ?? ''
  t.ok(
    trusted.every((value) => value === trustProxy),
    'the same on both instances',
  )
  t.notMatch(trustProxy, /uniquelocal|linklocal|loopback|\/|^true$/, `no range or name: ${trustProxy}`)
  const nginx = /ipv4_address: (\S+)/.exec(compose)?.[1]
  const gateway = /gateway: (\S+)/.exec(compose)?.[1]
  t.ok(
    nginx && gateway,
    `nginx has a fixed address (${nginx}) on a network with a known gateway (${gateway})`,
  )
  t.same(trustProxy.split(',').sort(), [gateway, nginx].sort(), 'exactly nginx and the gateway')

  const { app } = await build(t, { trustProxy: testConfig({}, { TRUST_PROXY: trustProxy }).trustProxy })
  t.equal(
    await clientAddressSeen(app, nginx ?? '', '203.0.113.66, 192.168.1.5'),
    '192.168.1.5',
    'a LAN client behind nginx cannot forge an address: nginx saw 192.168.1.5',
  )
  t.equal(
    await clientAddressSeen(app, gateway ?? '', '198.51.100.7'),
    '198.51.100.7',
    'the host proxy (through the gateway) is believed',
  )
  t.equal(
    await clientAddressSeen(app, '172.30.99.9', '203.0.113.66'),
    '172.30.99.9',
    'another address on the compose network is not a proxy',
  )
  t.equal(
    await clientAddressSeen(app, '10.1.2.3', '203.0.113.66'),
    '10.1.2.3',
    'nor is any other private address',
  )
})
