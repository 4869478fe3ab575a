import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { build, DATABASE_KIND } from '../helper.js'
import { activeBodies, INACTIVE_401, seedValidation, send } from './fixtures.js'

// CONTRACT 11: /verify answers every method as GET, the body ignored (Envoy ext_authz
// forwards the original request's method).
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

t.test(`every method gets GET's answer: 200, 401 and 403 (${DATABASE_KIND})`, async (t) => {
  const now = new Date('2026-06-01T00:00:00Z')
  const { app } = await build(t, { now: () => now })
  const expiresAt = new Date('2026-07-01T00:00:00Z')
  const seed = await seedValidation(app, { expiresAt })
  const bodies = await activeBodies(app, seed, expiresAt)
  const bearer = { authorization: `Bearer ${seed.personal.token}` }
  for (const method of METHODS) {
    const bodyless = method === 'HEAD'
    const ok = await app.inject({ method, url: '/verify', headers: bearer })
    t.equal(ok.statusCode, 200, `${method} with an active token`)
    t.equal(ok.headers['x-auth-user-id'], String(seed.admin.userId), `${method} x-auth-user-id`)
    t.equal(ok.headers['x-auth-account-id'], String(seed.admin.accountId), `${method} x-auth-account-id`)
    t.equal(ok.headers['x-auth-permission'], 'design', `${method} x-auth-permission`)
    t.equal(ok.headers['x-auth-app-id'], '', `${method} x-auth-app-id`)
    t.equal(ok.headers['cache-control'], 'no-store')
    t.equal(ok.body, bodyless ? '' : JSON.stringify(bodies.personal), `${method} body`)

    const none = await app.inject({ method, url: '/verify' })
    t.equal(none.statusCode, 401, `${method} without a token`)
    t.equal(none.headers['www-authenticate'], 'Bearer realm="latchkey"')

    const inactive = await app.inject({ method, url: '/verify', headers: { token: 'lkp_not-a-token' } })
    t.equal(inactive.statusCode, 401, `${method} with an inactive token`)
    t.equal(inactive.headers['www-authenticate'], 'Bearer realm="latchkey", error="invalid_token"')
    if (!bodyless) t.same(inactive.json(), INACTIVE_401)

    const denied = await app.inject({ method, url: '/verify?permission=publish', headers: bearer })
    t.equal(denied.statusCode, 403, `${method} with too little permission`)
    t.notOk(denied.headers['x-auth-user-id'])
    if (!bodyless) t.equal(denied.json().required, 'publish')
  }
})

t.test(`a request body is never read, whatever it is (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const seed = await seedValidation(app)
  const bearer = { authorization: `Bearer ${seed.personal.token}` }
  const bodies: [string, Record<string, string>, string][] = [
    ['malformed JSON', { 'content-type': 'application/json' }, '{"token":'],
    ['a malformed Content-Type', { 'content-type': 'not a media type;;' }, 'x'],
    ['no Content-Type', {}, 'some bytes'],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }, 'permission=publish'],
    ['a body over the 256 KiB limit', { 'content-type': 'application/json' }, 'x'.repeat(1024 * 1024)],
  ]
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const) {
    for (const [what, headers, payload] of bodies) {
      const response = await app.inject({
        method,
        url: '/verify',
        headers: { ...bearer, ...headers },
        payload,
      })
      t.equal(response.statusCode, 200, `${method} with ${what}`)
      t.equal(response.headers['x-auth-permission'], 'design')
    }
  }
  const tokenInBody = await app.inject({
    method: 'POST',
    url: '/verify',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `token=${seed.personal.token}`,
  })
  t.equal(tokenInBody.statusCode, 401, 'a token in the body is not read')
})

t.test(`the README's Envoy ext_authz recipe, over real HTTP (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const seed = await seedValidation(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as AddressInfo).port
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())

  // What Envoy's HTTP ext_authz service sends: the original method, path_prefix plus the
  // original path, only the allowed headers (authorization, token) and Envoy's own.
  const envoy = (method: string, path: string, token?: Record<string, string>) =>
    send(agent, port, method, path, {
      host: 'api.example.com',
      'content-length': '0',
      'x-envoy-internal': 'true',
      'x-envoy-expected-rq-timeout-ms': '500',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
      'x-request-id': '4a1f6c36-5d0b-4f5e-9d35-3f1e0a6f2b11',
      ...token,
    })
  const upstream = ['x-auth-user-id', 'x-auth-account-id', 'x-auth-permission', 'x-auth-app-id']

  for (const method of METHODS) {
    const application = await envoy(method, '/verify?path=/orders/7', {
      authorization: `Bearer ${seed.grant.token}`,
    })
    t.equal(application.status, 200, `${method} /orders/7 with an application token`)
    t.same(
      upstream.map((name) => application.headers[name]),
      [
        String(seed.admin.userId),
        String(seed.admin.accountId),
        'publish',
        String(seed.reporter.application.id),
      ],
      'the x-auth-* headers Envoy copies upstream',
    )

    const personal = await envoy(method, '/verify?permission=publish&path=/orders/7', {
      token: seed.personal.token,
    })
    t.equal(personal.status, 403, `${method} with permission=publish and a design token`)
    t.notOk(personal.headers['x-auth-user-id'], 'nothing to copy upstream')

    const anonymous = await envoy(method, '/verify?path=/orders/7')
    t.equal(anonymous.status, 401, `${method} without a token`)
    t.equal(
      anonymous.headers['www-authenticate'],
      'Bearer realm="latchkey"',
      'the header Envoy sends the client',
    )
  }

  // The original path's own query lands in /verify's: it can only make the check
  // stricter (a repeated permission is a 400), never let a weaker token through.
  const smuggled = await envoy('GET', '/verify?permission=publish&path=/orders?permission=browse', {
    token: seed.personal.token,
  })
  t.not(
    smuggled.status,
    200,
    `a permission in the original path's query does not loosen the check (${smuggled.status})`,
  )

  // A body sent anyway is discarded and the connection stays usable for the next check.
  const big = await send(
    agent,
    port,
    'POST',
    '/verify?path=/upload',
    { authorization: `Bearer ${seed.grant.token}`, 'content-type': 'application/json' },
    'x'.repeat(2 * 1024 * 1024),
  )
  t.equal(big.status, 200, 'a 2 MiB body is ignored')
  const after = await envoy('GET', '/verify?path=/orders/7', { authorization: `Bearer ${seed.grant.token}` })
  t.equal(after.status, 200, 'the next request on the same connection is answered')
})
