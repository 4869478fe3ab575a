import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import t, { type Test } from 'tap'
import { generateToken } from '../../src/tokens/format.js'
import latchkeyExpress from '../../src/verifier/express.js'
import latchkeyFastify from '../../src/verifier/fastify.js'
import { DATABASE_KIND } from '../helper.js'
import { type Served, serve } from './harness.js'

type Get = (
  path: string,
  headers?: Record<string, string>,
) => Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>

/** The statuses and bodies CONTRACT 11 asks of both adapters (5a's 401/403, 503 when Latchkey is unreachable). */
async function checkAdapter(t: Test, served: Served, get: Get): Promise<void> {
  const { seed, proxy } = served
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

  const ok = await get('/read', bearer(seed.grant.token))
  t.equal(ok.status, 200)
  t.same(ok.body, { sub: String(seed.admin.userId), permission: 'publish' }, 'the answer is on the request')

  const none = await get('/read')
  t.equal(none.status, 401)
  t.equal(none.headers.get('www-authenticate'), 'Bearer realm="latchkey"')
  t.match(none.body, { statusCode: 401, error: 'Authentication Failed', message: /token is required/ })

  // Its last character changed (to something else than it was: tokens are random).
  const bad = await get('/read', {
    token: `${seed.grant.token.slice(0, -1)}${seed.grant.token.endsWith('x') ? 'y' : 'x'}`,
  })
  t.equal(bad.status, 401)
  t.equal(bad.headers.get('www-authenticate'), 'Bearer realm="latchkey", error="invalid_token"')

  const low = await get('/publish', bearer(seed.personal.token))
  t.equal(low.status, 403)
  t.same(low.body, {
    statusCode: 403,
    error: 'Insufficient Permission',
    message: 'This needs the publish permission; the token has design.',
    required: 'publish',
    permission: 'design',
  })
  t.equal((await get('/publish', bearer(seed.grant.token))).status, 200, 'publish meets publish')

  proxy.cut(true)
  // A token not seen before: the answer must come from Latchkey, which cannot be reached.
  const down = await get('/read', bearer(generateToken('personal')))
  t.equal(down.status, 503, 'Latchkey unreachable: 503, never let through')
  t.equal(down.body.error, 'Service Unavailable')
  proxy.restore()
}

t.test(`the Fastify plugin: 200/401/403/503 and the route's permission (${DATABASE_KIND})`, async (t) => {
  const served = await serve(t)
  const service = Fastify()
  await service.register(latchkeyFastify, {
    url: served.url,
    serviceId: served.seed.service.id,
    serviceSecret: served.seed.service.secret,
  })
  const reply = (request: { latchkey: { sub: string; permission: string } | null }) => ({
    sub: request.latchkey?.sub,
    permission: request.latchkey?.permission,
  })
  service.get('/read', async (request) => reply(request))
  service.get('/publish', { config: { permission: 'publish' } }, async (request) => reply(request))
  t.teardown(() => service.close())
  await service.ready()
  await checkAdapter(t, served, async (path, headers) => {
    const response = await service.inject({ method: 'GET', url: path, headers })
    return {
      status: response.statusCode,
      headers: new Headers(response.headers as Record<string, string>),
      body: response.json(),
    }
  })
})

t.test(`the Express middleware: 200/401/403/503 and its permission option (${DATABASE_KIND})`, async (t) => {
  const served = await serve(t)
  const options = {
    url: served.url,
    serviceId: served.seed.service.id,
    serviceSecret: served.seed.service.secret,
  }
  const anyToken = latchkeyExpress(options)
  const publish = latchkeyExpress({ ...options, permission: 'publish' })
  t.teardown(() => Promise.all([anyToken.close(), publish.close()]))
  const service = express()
  const reply = (req: express.Request, res: express.Response) =>
    res.json({ sub: req.latchkey?.sub, permission: req.latchkey?.permission })
  service.get('/read', anyToken, reply)
  service.get('/publish', publish, reply)
  const server = service.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  await checkAdapter(t, served, async (path, headers) => {
    const response = await fetch(`${base}${path}`, { headers })
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    }
  })
})
