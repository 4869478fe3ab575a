import t from 'tap'
import { createApiToken } from '../../src/api-tokens/service.js'
import { generateToken } from '../../src/tokens/format.js'
import { seedClient } from '../consent/flow-helpers.js'
import { seedChooser } from '../consent/people.js'
import { AUDIT, me } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs } from '../helper.js'
import { exchangeCode, formPost, obtainCode } from './oauth-helpers.js'

const REDIRECT = 'https://app.example.com/cb'

t.test(
  `RFC 7009: an application revokes its own token; it stops working at once (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const user = await seedChooser(app)
    const client = await seedClient(app, user, { redirect_url: REDIRECT })
    const other = await seedClient(app, user, { redirect_url: REDIRECT })
    const browser = await loginAs(app, user)
    const basic = { id: client.application.id, secret: client.clientSecret }
    const exchange = async (c: typeof client) => {
      const code = await obtainCode(browser, c.application, user.studioId)
      const response = await exchangeCode(app, c, code, REDIRECT)
      return String(response.json().access_token)
    }
    const token = await exchange(client)
    const othersToken = await exchange(other)
    const personal = await createApiToken(
      app.db,
      {
        accountId: user.studioId,
        userId: user.userId,
        name: 'script',
        permission: 'browse',
        expiresAt: null,
      },
      AUDIT,
    )

    const foreign = await formPost(app, '/oauth/revoke', { token: othersToken }, basic)
    t.equal(foreign.statusCode, 200, "another application's token: 200 …")
    t.equal((await me(app, othersToken)).statusCode, 200, '… and it still works')
    const notOurs = await formPost(app, '/oauth/revoke', { token: personal.token }, basic)
    t.equal(notOurs.statusCode, 200, 'a personal API token: 200 …')
    t.equal((await me(app, personal.token)).statusCode, 200, '… and it still works')
    for (const unknown of [generateToken('application'), 'not-a-token']) {
      const response = await formPost(app, '/oauth/revoke', { token: unknown }, basic)
      t.equal(response.statusCode, 200, `unknown token ${unknown.slice(0, 8)}…: 200`)
    }

    t.equal((await me(app, token)).statusCode, 200)
    const revoked = await formPost(app, '/oauth/revoke', {
      token,
      token_type_hint: 'access_token',
      client_id: String(client.application.id),
      client_secret: client.clientSecret,
    })
    t.equal(revoked.statusCode, 200)
    t.equal(revoked.body, '', 'empty body')
    t.equal(revoked.headers['cache-control'], 'no-store')
    t.equal((await me(app, token)).statusCode, 401, 'the revoked token no longer works on /api/v1/me')
    const again = await formPost(app, '/oauth/revoke', { token }, basic)
    t.equal(again.statusCode, 200, 'revoking twice is fine')
    const audit = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'application_token.revoked')
      .execute()
    t.equal(audit.length, 1, 'audited once')
    t.equal(audit[0]?.actor_label, `application ${client.application.id}`)
  },
)

t.test(`revocation needs client authentication (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const user = await seedChooser(app)
  const client = await seedClient(app, user, { redirect_url: REDIRECT })
  const token = generateToken('application')
  const anonymous = await formPost(app, '/oauth/revoke', { token })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.json().error, 'invalid_client')
  const idOnly = await formPost(app, '/oauth/revoke', { token, client_id: String(client.application.id) })
  t.equal(idOnly.statusCode, 401, 'a client id without the secret is not enough')
  const wrong = await formPost(
    app,
    '/oauth/revoke',
    { token },
    { id: client.application.id, secret: 'lkc_x' },
  )
  t.equal(wrong.statusCode, 401)
  t.match(wrong.headers['www-authenticate'], /^Basic/)
  const missing = await formPost(
    app,
    '/oauth/revoke',
    {},
    { id: client.application.id, secret: client.clientSecret },
  )
  t.equal(missing.statusCode, 400)
  t.equal(missing.json().error, 'invalid_request')
})

t.test(`/oauth/token and /oauth/revoke are rate limited (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const user = await seedChooser(app)
  const client = await seedClient(app, user, { redirect_url: REDIRECT })
  for (const url of ['/oauth/token', '/oauth/revoke']) {
    const guess = { id: client.application.id, secret: 'lkc_guess' }
    const statuses = new Set<number>()
    for (let i = 0; i < 120; i += 1) {
      statuses.add(
        (await formPost(app, url, { grant_type: 'authorization_code', code: 'c', token: 't' }, guess))
          .statusCode,
      )
    }
    t.same([...statuses], [401], `${url}: 120 wrong guesses get 401`)
    const limited = await formPost(app, url, { token: 't' }, guess)
    t.equal(limited.statusCode, 429, `${url}: then 429`)
    t.equal(limited.json().error, 'slow_down')
    t.ok(Number(limited.headers['retry-after']) > 0, 'with Retry-After')
    const right = await formPost(
      app,
      url,
      { token: 't' },
      { id: client.application.id, secret: client.clientSecret },
    )
    t.equal(right.statusCode, 429, 'the right secret is refused too until the window passes')
  }
})
