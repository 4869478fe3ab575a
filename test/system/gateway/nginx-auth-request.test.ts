// Gateway suite: a real nginx from Debian's package, configured with the README's
// auth_request snippet, in front of a tiny upstream, asking Latchkey's /verify.
import t from 'tap'
import { createApiToken } from '../../../src/api-tokens/service.js'
import { AUDIT } from '../../fixtures.js'
import { build, DATABASE_KIND, seedFirstAdmin, seedUser } from '../../helper.js'
import { NGINX, requirePrograms } from '../require-program.js'
import { freePort } from '../server-process.js'
import { Nginx, startEchoUpstream } from './nginx.js'

const skip = requirePrograms(t, [NGINX])

t.test(`nginx auth_request against /verify (${DATABASE_KIND})`, { skip }, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = await seedUser(app, 'browse', { accountId: admin.accountId })
  const publish = await createApiToken(
    app.db,
    {
      accountId: admin.accountId,
      userId: admin.userId,
      name: 'publish',
      permission: 'publish',
      expiresAt: null,
    },
    AUDIT,
  )
  const readOnly = await createApiToken(
    app.db,
    {
      accountId: admin.accountId,
      userId: browser.userId,
      name: 'browse',
      permission: 'browse',
      expiresAt: null,
    },
    AUDIT,
  )
  const latchkey = await app.listen({ port: 0, host: '127.0.0.1' })
  const upstream = await startEchoUpstream()
  t.teardown(() => upstream.server.close())
  const ports = {
    nginx: await freePort(),
    strict: await freePort(),
    latchkey: Number(new URL(latchkey).port),
    upstream: upstream.port,
  }
  const nginx = await Nginx.start(ports)
  t.teardown(() => nginx.stop())
  const via = (port: number, path: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}${path}`, { headers })

  const ok = await via(ports.nginx, '/api/items?x=1', { authorization: `Bearer ${publish.token}` })
  t.equal(ok.status, 200, 'a valid header token passes')
  const seen = (await ok.json()) as { path: string; headers: Record<string, string> }
  t.equal(seen.path, '/api/items?x=1')
  t.same(
    seen.headers,
    {
      'x-auth-user-id': String(admin.userId),
      'x-auth-account-id': String(admin.accountId),
      'x-auth-permission': 'publish',
    },
    'the upstream sees the identity headers (nginx drops the empty X-Auth-App-Id)',
  )

  const tokenHeader = await via(ports.nginx, '/api/items', { token: readOnly.token })
  t.equal(tokenHeader.status, 200, 'the token: header works too')

  const spoofed = await via(ports.nginx, '/api/items', {
    token: readOnly.token,
    'x-auth-user-id': '1',
    'x-auth-permission': 'admin',
  })
  const spoofedSeen = (await spoofed.json()) as { headers: Record<string, string> }
  t.equal(spoofedSeen.headers['x-auth-permission'], 'browse', 'client-sent identity headers are replaced')
  t.equal(spoofedSeen.headers['x-auth-user-id'], String(browser.userId))

  const missing = await via(ports.nginx, '/api/items')
  t.equal(missing.status, 401, 'no token: 401')
  t.equal(missing.headers.get('www-authenticate'), 'Bearer realm="latchkey"')
  const bad = await via(ports.nginx, '/api/items', { authorization: 'Bearer lkp_not-a-real-token' })
  t.equal(bad.status, 401, 'bad token: 401')
  t.equal(bad.headers.get('www-authenticate'), 'Bearer realm="latchkey", error="invalid_token"')
  const inQuery = await via(ports.nginx, `/api/items?token=${publish.token}`)
  t.equal(inQuery.status, 401, 'a token in the query string is not read')

  const strictOk = await via(ports.strict, '/api/items', { authorization: `Bearer ${publish.token}` })
  t.equal(strictOk.status, 200, 'publish meets ?permission=publish')
  const strictNo = await via(ports.strict, '/api/items', { authorization: `Bearer ${readOnly.token}` })
  t.equal(strictNo.status, 403, 'too little permission: 403')
})
