import fc from 'fast-check'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { createApiToken } from '../../src/api-tokens/service.js'
import { Browser, build, DATABASE_KIND, seedFirstAdmin } from '../helper.js'

// A bounded property-based fuzz run over every registered route: malformed
// methods, paths, headers, encodings, bodies. Fixed seed so CI is repeatable;
// FUZZ_SEED=random explores new cases locally.
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() : 424242
const RUNS = Number(process.env.FUZZ_RUNS ?? 2500)

const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    "' OR 1=1 --",
    '"; DROP TABLE users; --',
    '\u0000',
    'a\u0000b',
    '%00',
    '%ff%fe',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    '$' + '{7*7}',
    '{{7*7}}',
    '-1',
    '0',
    '99999999999999999999999',
    '1e309',
    'NaN',
    '\u202e\ufeff',
    '😀'.repeat(50),
    'x'.repeat(5000),
  ),
)

function deepJson(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth)
}

const body = fc.oneof(
  fc.constant(undefined),
  fc.json().map((j) => ({ type: 'application/json', data: Buffer.from(j) })),
  fc
    .dictionary(
      fc.constantFrom(
        'name',
        'permission',
        'email',
        'password',
        'token',
        'redirect_url',
        'redirect_urls',
        'expires_in_days',
        'role',
        'account_id',
        '_csrf',
        'app',
        'state',
        'decision',
        'grant_type',
        'code',
      ),
      nasty,
    )
    .map((o) => ({
      type: 'application/x-www-form-urlencoded',
      data: Buffer.from(new URLSearchParams(o).toString()),
    })),
  fc
    .dictionary(fc.string({ maxLength: 10 }), fc.oneof(nasty, fc.integer(), fc.boolean(), fc.constant(null)))
    .map((o) => ({
      type: 'application/json',
      data: Buffer.from(JSON.stringify(o)),
    })),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ type: 'application/json', data: Buffer.from(bytes) })),
  fc
    .uint8Array({ maxLength: 300 })
    .map((bytes) => ({ type: 'application/x-www-form-urlencoded', data: Buffer.from(bytes) })),
  fc.constantFrom(
    { type: 'application/json', data: Buffer.from(deepJson(5000)) },
    { type: 'application/json', data: Buffer.from(`{"a":${'['.repeat(3000)}`) },
    { type: 'application/json', data: Buffer.from([0xc3, 0x28, 0xa0, 0xa1]) },
    { type: 'text/plain', data: Buffer.from('hello') },
    { type: 'application/xml', data: Buffer.from('<a/>') },
    { type: 'multipart/form-data; boundary=x', data: Buffer.from('--x\r\n\r\n--x--') },
    { type: 'application/x-www-form-urlencoded', data: Buffer.alloc(300 * 1024, 'a') },
    { type: 'application/json', data: Buffer.from(`{"name":"${'n'.repeat(100_000)}"}`) },
    { type: 'application/json; charset=utf-16', data: Buffer.from('{}') },
  ),
)

interface Identity {
  token: string
  browser: Browser
}

async function send(
  app: FastifyInstance,
  identity: Identity,
  input: FuzzCase,
): Promise<LightMyRequestResponse> {
  const url = input.route.url.replace(/:(\w+)/g, () => encodeURIComponent(input.param)) + input.query
  const headers: Record<string, string> = { ...input.headers }
  if (input.auth === 'token') headers.authorization = `Bearer ${identity.token}`
  if (input.auth === 'session') {
    headers.cookie = [...identity.browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    headers['x-csrf-token'] = await identity.browser.csrfToken()
  }
  if (input.body) headers['content-type'] = input.body.type
  return app.inject({ method: input.method as 'GET', url, headers, payload: input.body?.data })
}

interface FuzzCase {
  route: { method: string; url: string }
  method: string
  param: string
  query: string
  headers: Record<string, string>
  auth: 'none' | 'token' | 'session'
  body: { type: string; data: Buffer } | undefined
}

t.test(`fuzzing every route gives no 5xx and keeps the error shape (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t, {
    loginSlowdownMs: 0,
    loginMaxFailuresPerEmail: 1000,
    loginMaxFailuresPerIp: 100000,
  })
  const admin = await seedFirstAdmin(app)
  const { token } = await createApiToken(
    app.db,
    { accountId: admin.accountId, userId: admin.userId, name: 'fuzz', permission: 'admin', expiresAt: null },
    { actorUserId: admin.userId, actorLabel: 'fuzz', ip: '', userAgent: '' },
  )
  const browser = new Browser(app)
  await browser.login(admin.email)
  const identity = { token, browser }
  const routes = app.routeList.filter((r) => !['/logout'].includes(r.url))
  t.ok(routes.length >= 8, `${routes.length} routes to fuzz`)

  const failures: string[] = []
  let requests = 0
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        route: fc.constantFrom(...routes),
        method: fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'), {
          nil: undefined,
        }),
        param: nasty,
        query: fc.oneof(
          fc.constant(''),
          fc
            .dictionary(
              fc.constantFrom(
                'app',
                'state',
                'next',
                'permission',
                'token',
                'limit',
                'before',
                'client_id',
                'redirect_uri',
                'response_type',
                'code_challenge',
                'scope',
              ),
              nasty,
            )
            .map((o) => `?${new URLSearchParams(o)}`),
          fc.constantFrom('?%', '?a=%zz', '?a[b][c]=1', `?${'a=1&'.repeat(2000)}`, '?next=//evil.example'),
        ),
        headers: fc.dictionary(
          fc.constantFrom(
            'accept',
            'authorization',
            'token',
            'x-forwarded-for',
            'origin',
            'cookie',
            'accept-language',
          ),
          fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
        ),
        auth: fc.constantFrom('none' as const, 'token' as const, 'session' as const),
        body,
      }),
      async (raw) => {
        const input: FuzzCase = { ...raw, method: raw.method ?? raw.route.method }
        const response = await send(app, identity, input)
        requests += 1
        const where = `${input.method} ${input.route.url} (${input.param.slice(0, 40)}) -> ${response.statusCode}`
        if (response.statusCode >= 500) failures.push(`${where}: ${response.body.slice(0, 200)}`)
        const type = String(response.headers['content-type'] ?? '')
        if (response.statusCode >= 400 && type.includes('application/json') && input.method !== 'HEAD') {
          let parsed: Record<string, unknown> = {}
          try {
            parsed = JSON.parse(response.body) as Record<string, unknown>
          } catch {
            failures.push(`${where}: error body is not JSON: ${response.body.slice(0, 100)}`)
          }
          const shaped =
            (typeof parsed.statusCode === 'number' &&
              typeof parsed.error === 'string' &&
              typeof parsed.message === 'string') ||
            typeof parsed.error === 'string' // RFC 6749 / 7662 bodies on /oauth/*
          if (!shaped) failures.push(`${where}: bad error shape ${response.body.slice(0, 200)}`)
        }
        return true
      },
    ),
    { seed: SEED, numRuns: RUNS },
  )
  t.same(failures.slice(0, 20), [], `no 5xx and no shapeless errors in ${requests} requests (seed ${SEED})`)
  const health = await app.inject({ url: '/readyz' })
  t.equal(health.statusCode, 200, 'still healthy afterwards')
  t.equal(
    (await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode,
    200,
    'and still serving',
  )
})

t.test('body and header size limits', async (t) => {
  const { app } = await build(t)
  await seedFirstAdmin(app)
  const big = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: Buffer.alloc(300 * 1024, 'a'),
  })
  t.equal(big.statusCode, 413, 'a body over the limit is refused')
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
    headers: { 'x-big': 'a'.repeat(20 * 1024) },
  })
  t.equal(response.status, 431, 'headers over 16 KiB are refused by the HTTP parser')
})

// Found by the fuzz run: "1e309" coerced to Infinity slipped past integer
// schemas and PostgreSQL's "invalid input syntax" became a 500.
t.test('ids that coerce to Infinity are a 400, not a 500', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = new Browser(app)
  await browser.login(admin.email)
  for (const url of ['/settings/accounts/sub-accounts/1e309/delete', '/developers/applications/1e309/edit']) {
    t.equal((await browser.get(url)).statusCode, 400, url)
  }
  t.equal((await browser.post('/developers/applications/1e309/secret', {})).statusCode, 400)
})
