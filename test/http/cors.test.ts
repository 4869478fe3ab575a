import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { CORS_MAX_AGE_SECONDS, type CorsPolicy } from '../../src/http/cors.js'
import { authorize, basicAuth, seedApplication } from '../fixtures.js'
import { build, DATABASE_KIND, seedUser } from '../helper.js'

// CONTRACT 10: CORS. Public routes answer any origin with `*`; client routes answer
// only the origins of the calling application's redirect URLs (loopback: any port),
// and a preflight, which names no client, the origin of any registered redirect URL.

interface Endpoint {
  method: 'GET' | 'POST'
  path: string
  policy: CorsPolicy
}

/** One line per CORS route; after merging: jwks and openid-configuration (public), userinfo (bearer), device_authorization (client). */
const ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: '/.well-known/oauth-authorization-server', policy: 'public' },
  { method: 'POST', path: '/oauth/token', policy: 'client' },
  { method: 'POST', path: '/oauth/revoke', policy: 'client' },
  { method: 'GET', path: '/.well-known/openid-configuration', policy: 'public' },
  { method: 'GET', path: '/oauth/jwks', policy: 'public' },
  { method: 'GET', path: '/oauth/userinfo', policy: 'bearer' },
  { method: 'POST', path: '/oauth/userinfo', policy: 'bearer' },
  { method: 'POST', path: '/oauth/device_authorization', policy: 'client' },
]

const SPA = 'https://spa.example.com'
const OTHER = 'https://other.example.com'
const EVIL = 'https://evil.example.com'

function preflight(app: FastifyInstance, endpoint: Endpoint, origin: string) {
  return app.inject({
    method: 'OPTIONS',
    url: endpoint.path,
    headers: {
      origin,
      'access-control-request-method': endpoint.method,
      'access-control-request-headers': 'authorization, content-type',
    },
  })
}

function noCredentials(t: Test, response: LightMyRequestResponse, name: string) {
  t.notOk(response.headers['access-control-allow-credentials'], `${name}: never credentials`)
}

t.test(`CORS on each endpoint, by its policy (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const user = await seedUser(app, 'admin', { newAccountName: 'Studio' })
  const owner = { accountId: user.accountId, userId: user.userId }
  const spa = await seedApplication(app, owner, {
    redirect_urls: [`${SPA}/cb`, 'http://127.0.0.1:3000/cb', 'http://[::1]/cb', 'http://localhost:4000/cb'],
  })
  const other = await seedApplication(app, owner, { redirect_urls: [`${OTHER}/cb`] })
  const spaToken = (await authorize(app, spa.application, owner)).token
  const otherToken = (await authorize(app, other.application, owner)).token

  /** The actual request, naming `client` the way the policy reads it (client_id in the body, or its token). */
  function actual(
    endpoint: Endpoint,
    origin: string | undefined,
    client = spa,
    how: 'body' | 'basic' = 'body',
  ) {
    const headers: Record<string, string> = origin ? { origin } : {}
    if (endpoint.method === 'GET' && endpoint.policy !== 'bearer')
      return app.inject({ method: 'GET', url: endpoint.path, headers })
    if (endpoint.policy === 'bearer') {
      headers.authorization = `Bearer ${client === spa ? spaToken : otherToken}`
      return app.inject({ method: endpoint.method, url: endpoint.path, headers })
    }
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: 'nope', token: 'nope' })
    if (how === 'basic') headers.authorization = basicAuth(client.application.id, client.clientSecret)
    else body.set('client_id', String(client.application.id))
    headers['content-type'] = 'application/x-www-form-urlencoded'
    return app.inject({ method: endpoint.method, url: endpoint.path, headers, payload: body.toString() })
  }

  for (const endpoint of ENDPOINTS) {
    const name = `${endpoint.method} ${endpoint.path}`
    if (endpoint.policy === 'public') {
      for (const origin of [EVIL, SPA]) {
        const pre = await preflight(app, endpoint, origin)
        t.equal(pre.statusCode, 204, `${name}: preflight from ${origin}`)
        t.equal(pre.headers['access-control-allow-origin'], '*', `${name}: any origin, as *`)
        t.equal(pre.headers['access-control-max-age'], String(CORS_MAX_AGE_SECONDS), `${name}: Max-Age`)
        t.match(String(pre.headers['access-control-allow-methods']), endpoint.method)
        noCredentials(t, pre, name)
        const response = await actual(endpoint, origin)
        t.equal(response.headers['access-control-allow-origin'], '*', `${name}: the request from ${origin}`)
        noCredentials(t, response, name)
      }
      continue
    }

    for (const origin of [
      SPA,
      'http://127.0.0.1:51234',
      'http://[::1]:8080',
      OTHER,
      'http://localhost:4000',
    ]) {
      const pre = await preflight(app, endpoint, origin)
      t.equal(pre.statusCode, 204, `${name}: preflight from registered ${origin}`)
      t.equal(pre.headers['access-control-allow-origin'], origin, `${name}: ${origin} reflected, never *`)
      t.equal(pre.headers['access-control-max-age'], String(CORS_MAX_AGE_SECONDS), `${name}: Max-Age`)
      t.match(String(pre.headers['access-control-allow-methods']), endpoint.method, `${name}: the method`)
      t.match(String(pre.headers['access-control-allow-headers']), /Authorization/)
      t.match(String(pre.headers.vary), /Origin/, `${name}: Vary: Origin`)
      noCredentials(t, pre, name)
    }
    for (const origin of [EVIL, 'http://localhost:4001', 'https://127.0.0.1:3000', 'null']) {
      const pre = await preflight(app, endpoint, origin)
      t.notOk(pre.headers['access-control-allow-origin'], `${name}: no preflight for ${origin}`)
    }

    for (const origin of [SPA, 'http://127.0.0.1:51234', 'http://[::1]:8080', 'http://localhost:4000']) {
      const response = await actual(endpoint, origin)
      t.equal(response.headers['access-control-allow-origin'], origin, `${name}: the calling app's ${origin}`)
      t.match(String(response.headers['access-control-expose-headers']), /WWW-Authenticate/)
      noCredentials(t, response, name)
    }
    const basic = await actual(endpoint, SPA, spa, 'basic')
    t.equal(basic.headers['access-control-allow-origin'], SPA, `${name}: the client named by HTTP Basic`)
    for (const origin of [OTHER, EVIL, 'http://localhost:4001']) {
      const response = await actual(endpoint, origin)
      t.notOk(response.headers['access-control-allow-origin'], `${name}: not ${origin} for this client`)
    }
    const otherClient = await actual(endpoint, OTHER, other)
    t.equal(otherClient.headers['access-control-allow-origin'], OTHER, `${name}: ${OTHER} for its own app`)
    const spaAsOther = await actual(endpoint, SPA, other, 'basic')
    t.notOk(spaAsOther.headers['access-control-allow-origin'], `${name}: not ${SPA} for another app`)
    const noOrigin = await actual(endpoint, undefined)
    t.notOk(noOrigin.headers['access-control-allow-origin'], `${name}: no Origin, no CORS`)
  }

  const page = await preflight(app, { method: 'POST', path: '/login', policy: 'public' }, SPA)
  t.notOk(page.headers['access-control-allow-origin'], 'a route without a policy: no CORS')
  const login = await app.inject({ method: 'GET', url: '/login', headers: { origin: SPA } })
  t.notOk(login.headers['access-control-allow-origin'])
  t.notMatch(String(login.headers.vary ?? ''), /Origin/, 'and no Vary: Origin either')
  // Token validation is outside the scope CORS is registered in: browsers never call it.
  const verify = await app.inject({
    method: 'GET',
    url: '/verify',
    headers: { origin: SPA, authorization: `Bearer ${spaToken}` },
  })
  t.equal(verify.statusCode, 200)
  t.notOk(verify.headers['access-control-allow-origin'], '/verify: no CORS')
  t.notMatch(String(verify.headers.vary ?? ''), /Origin/, '/verify: no Vary: Origin')
})

t.test(`a changed redirect URL changes the answer at once (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const user = await seedUser(app, 'admin', { newAccountName: 'Studio' })
  const token = ENDPOINTS.find((e) => e.path === '/oauth/token') as Endpoint
  t.notOk(
    (await preflight(app, token, SPA)).headers['access-control-allow-origin'],
    'nobody registered it yet',
  )
  await seedApplication(
    app,
    { accountId: user.accountId, userId: user.userId },
    { redirect_urls: [`${SPA}/x`] },
  )
  t.equal((await preflight(app, token, SPA)).headers['access-control-allow-origin'], SPA, 'registered now')
})
