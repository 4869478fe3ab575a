import t from 'tap'
import { createApiToken } from '../../src/api-tokens/service.js'
import { AUDIT, appWithCapturedLog } from '../fixtures.js'
import { Browser, DATABASE_KIND } from '../helper.js'

t.test(`the log of a full flow holds no secret (${DATABASE_KIND})`, async (t) => {
  const { app, lines } = await appWithCapturedLog(t)
  const password = 'Setup-Password-Secret-8d1f'
  const wrongPassword = 'Wrong-Password-Secret-77ab'
  const browser = new Browser(app)
  await browser.get('/setup')
  const setupCsrf = await browser.csrfToken()
  const setup = await browser.post('/setup', {
    email: 'ops@example.com',
    name: 'Ops',
    password,
    account_name: 'Acme',
  })
  t.equal(setup.statusCode, 303)
  const firstSession = browser.cookies.get('lk_session') ?? ''
  await browser.post('/logout', {})
  await browser.login('ops@example.com', password)
  const session = browser.cookies.get('lk_session') ?? ''
  const csrf = await browser.csrfToken()
  const csrfCookie = browser.cookies.get('lk_csrf') ?? ''
  t.ok(session && csrf && csrfCookie, 'signed in, with a session and a CSRF token')

  const intruder = new Browser(app)
  t.equal(
    (await intruder.post('/login', { email: 'ops@example.com', password: wrongPassword })).statusCode,
    401,
  )

  const user = await app.db.selectFrom('users').select('id').executeTakeFirstOrThrow()
  const account = await app.db.selectFrom('accounts').select('id').executeTakeFirstOrThrow()
  const { token } = await createApiToken(
    app.db,
    { accountId: account.id, userId: user.id, name: 'ci', permission: 'admin', expiresAt: null },
    AUDIT,
  )
  const header = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
  t.equal(header.statusCode, 200)
  t.equal((await app.inject({ url: '/api/v1/me', headers: { token } })).statusCode, 200)
  t.equal((await app.inject({ url: `/api/v1/me?token=${token}` })).statusCode, 401)
  t.equal((await app.inject({ url: `/api/v1/me?access_token=${token}&code=abc123code` })).statusCode, 401)
  const posted = await app.inject({ method: 'POST', url: '/api/v1/me', payload: { token, password } })
  t.equal(posted.statusCode, 404)

  const log = lines.join('\n')
  t.ok(lines.length > 20, `the flow was logged (${lines.length} lines)`)
  t.ok(
    lines.every((l) => JSON.parse(l).level !== undefined),
    'every line is a JSON object',
  )
  const requestId = header.headers['x-request-id']
  t.match(requestId, /^[0-9a-f-]{36}$/, 'responses carry X-Request-Id')
  t.match(log, `"reqId":"${requestId}"`, 'log lines carry the same request id')
  t.match(log, '/api/v1/me?token=[REDACTED]', 'a token in the query is redacted in the logged URL')

  const secrets: Record<string, string> = {
    password,
    'wrong password': wrongPassword,
    token,
    'token body (without prefix)': token.slice(4),
    'first session id': firstSession.split('.')[0] ?? '',
    'session id': session.split('.')[0] ?? '',
    'CSRF token': csrf,
    'setup CSRF token': setupCsrf,
    'CSRF cookie': csrfCookie.split('.')[0] ?? '',
    'authorization code in a query': 'abc123code',
  }
  for (const [name, secret] of Object.entries(secrets)) {
    t.ok(secret.length >= 8, `${name} is a real value`)
    t.notOk(log.includes(secret), `no ${name} in the log`)
  }
})

t.test('redaction covers credential headers and secret body fields wherever code logs them', async (t) => {
  const { app, lines } = await appWithCapturedLog(t)
  app.log.info(
    {
      upstream: {
        headers: { authorization: 'Bearer h1-secret', cookie: 'lk_session=h2-secret', token: 'h3-secret' },
      },
      reply: { headers: { 'set-cookie': 'lk_session=h4-secret' } },
      req: { method: 'GET', url: '/x?code=h5-secret', headers: { authorization: 'Bearer h6-secret' } },
      body: {
        password: 'b1-secret',
        token: 'b2-secret',
        client_secret: 'b3-secret',
        code_verifier: 'b4-secret',
        code: 'b5-secret',
      },
      request: { body: { code: 'b6-secret', password: 'b7-secret' } },
      err: { code: 'ECONNREFUSED', message: 'connect failed' },
    },
    'something logged carelessly',
  )
  const line = lines.find((l) => l.includes('something logged carelessly')) ?? ''
  t.notMatch(line, /-secret/, 'no secret value survives')
  t.match(line, '"code":"ECONNREFUSED"', 'error codes stay readable')
  t.match(line, '"authorization":"[REDACTED]"')
  t.match(line, '"set-cookie":"[REDACTED]"')
})
