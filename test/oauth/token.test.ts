import t from 'tap'
import { consentSetup, seedClient } from '../consent/flow-helpers.js'
import { me, TestClock } from '../fixtures.js'
import { DATABASE_KIND, type Teardown } from '../helper.js'
import { exchangeCode, formPost, obtainCode, pkcePair } from './oauth-helpers.js'

async function setup(t: Teardown, clock?: TestClock) {
  const { app, user, client, browser } = await consentSetup(
    t,
    { redirect_url: 'https://app.example.com/cb' },
    clock ? { now: clock.now } : {},
  )
  return { app, user, client, browser, redirectUri: 'https://app.example.com/cb' }
}

t.test(`client_secret_basic without PKCE: the contract's answer, no-store (${DATABASE_KIND})`, async (t) => {
  const { app, user, client, browser, redirectUri } = await setup(t)
  const code = await obtainCode(browser, client.application, user.studioId)
  const response = await exchangeCode(app, client, code, redirectUri)
  t.equal(response.statusCode, 200, response.body)
  t.equal(response.headers['cache-control'], 'no-store')
  const body = response.json()
  t.same(Object.keys(body), ['access_token', 'token_type', 'scope', 'account_id'], 'exactly these fields')
  t.match(body.access_token, /^lka_[0-9A-Za-z]{49}$/)
  t.equal(body.token_type, 'Bearer')
  t.equal(body.scope, 'design')
  t.equal(body.account_id, user.studioId)
  t.equal((await me(app, body.access_token)).statusCode, 200, 'the token works')
  const token = await app.db.selectFrom('tokens').selectAll().executeTakeFirstOrThrow()
  t.ok(token.code_hash, 'the token remembers its code')
})

t.test(`client_secret_post with PKCE, and a public client (none) with PKCE (${DATABASE_KIND})`, async (t) => {
  const { app, user, client, browser, redirectUri } = await setup(t)
  const pkce = pkcePair()
  const challenge = { code_challenge: pkce.challenge, code_challenge_method: 'S256' }
  const postCode = await obtainCode(browser, client.application, user.studioId, challenge)
  const posted = await formPost(app, '/oauth/token', {
    grant_type: 'authorization_code',
    code: postCode,
    redirect_uri: redirectUri,
    code_verifier: pkce.verifier,
    client_id: String(client.application.id),
    client_secret: client.clientSecret,
  })
  t.equal(posted.statusCode, 200, posted.body)

  const publicCode = await obtainCode(browser, client.application, user.studioKidsId, challenge)
  const exchanged = await formPost(app, '/oauth/token', {
    grant_type: 'authorization_code',
    code: publicCode,
    redirect_uri: redirectUri,
    code_verifier: pkce.verifier,
    client_id: String(client.application.id),
  })
  t.equal(exchanged.statusCode, 200, exchanged.body)
  t.equal(exchanged.json().account_id, user.studioKidsId)
  t.equal((await me(app, exchanged.json().access_token)).statusCode, 200)
})

t.test(`a public client must use PKCE; no downgrade (${DATABASE_KIND})`, async (t) => {
  const { app, user, client, browser, redirectUri } = await setup(t)
  const code = await obtainCode(browser, client.application, user.studioId)
  const noAuth = await formPost(app, '/oauth/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: String(client.application.id),
  })
  t.equal(noAuth.statusCode, 401)
  t.equal(noAuth.json().error, 'invalid_client')
  t.match(noAuth.headers['www-authenticate'], /^Basic/)
  const downgrade = await formPost(app, '/oauth/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: String(client.application.id),
    code_verifier: pkcePair().verifier,
  })
  t.equal(downgrade.statusCode, 400, 'a verifier for a code issued without a challenge')
  t.equal(downgrade.json().error, 'invalid_grant')
})

t.test(`code reuse: the second use fails and the first token stops working (${DATABASE_KIND})`, async (t) => {
  const { app, user, client, browser, redirectUri } = await setup(t)
  const code = await obtainCode(browser, client.application, user.studioId)
  const basic = { id: client.application.id, secret: client.clientSecret }
  const fields = { grant_type: 'authorization_code', code, redirect_uri: redirectUri }
  const first = await formPost(app, '/oauth/token', fields, basic)
  t.equal(first.statusCode, 200)
  const token = first.json().access_token
  t.equal((await me(app, token)).statusCode, 200)
  const second = await formPost(app, '/oauth/token', fields, basic)
  t.equal(second.statusCode, 400)
  t.equal(second.json().error, 'invalid_grant')
  t.equal(second.headers['cache-control'], 'no-store')
  t.equal((await me(app, token)).statusCode, 401, 'the token from the first use is revoked')
  const audit = await app.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'authorization_code.reused')
    .executeTakeFirstOrThrow()
  t.equal(audit.account_id, user.studioId, 'the reuse is audited on the account')
  const third = await formPost(app, '/oauth/token', fields, basic)
  t.equal(third.json().error, 'invalid_grant', 'and it stays dead')
})

t.test(
  `wrong redirect_uri, wrong or missing code_verifier, other client's code (${DATABASE_KIND})`,
  async (t) => {
    const { app, user, client, browser, redirectUri } = await setup(t)
    const other = await seedClient(app, user, { redirect_url: redirectUri })
    const pkce = pkcePair()
    const code = await obtainCode(browser, client.application, user.studioId, {
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    })
    const basic = { id: client.application.id, secret: client.clientSecret }
    const base = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: pkce.verifier,
    }
    const attempts: [string, Record<string, string | undefined>, { id: number; secret: string }][] = [
      ['wrong redirect_uri', { ...base, redirect_uri: 'https://app.example.com/other' }, basic],
      ['redirect_uri left out though it was sent', { ...base, redirect_uri: undefined }, basic],
      ['wrong code_verifier', { ...base, code_verifier: pkcePair().verifier }, basic],
      ['code_verifier left out', { ...base, code_verifier: undefined }, basic],
      ["another client's code", base, { id: other.application.id, secret: other.clientSecret }],
      ['unknown code', { ...base, code: 'x'.repeat(43) }, basic],
    ]
    for (const [name, fields, auth] of attempts) {
      const response = await formPost(app, '/oauth/token', fields, auth)
      t.equal(response.statusCode, 400, name)
      t.equal(response.json().error, 'invalid_grant', name)
    }
    const malformed = await formPost(app, '/oauth/token', { ...base, code_verifier: 'short' }, basic)
    t.equal(malformed.json().error, 'invalid_request', 'a malformed code_verifier')
    const good = await formPost(app, '/oauth/token', base, basic)
    t.equal(good.statusCode, 200, 'failed attempts did not use the code up')
  },
)

t.test(`expired code (${DATABASE_KIND})`, async (t) => {
  const clock = new TestClock()
  const { app, user, client, browser, redirectUri } = await setup(t, clock)
  const code = await obtainCode(browser, client.application, user.studioId)
  clock.advance(61)
  const response = await exchangeCode(app, client, code, redirectUri)
  t.equal(response.statusCode, 400)
  t.equal(response.json().error, 'invalid_grant')
  t.match(response.json().error_description, 'expired')
})

t.test(`client authentication and request errors (RFC 6749 5.2) (${DATABASE_KIND})`, async (t) => {
  const { app, user, client, browser, redirectUri } = await setup(t)
  const code = await obtainCode(browser, client.application, user.studioId)
  const fields = { grant_type: 'authorization_code', code, redirect_uri: redirectUri }
  const wrongSecret = await formPost(app, '/oauth/token', fields, {
    id: client.application.id,
    secret: 'lkc_wrong',
  })
  t.equal(wrongSecret.statusCode, 401)
  t.equal(wrongSecret.json().error, 'invalid_client')
  t.match(wrongSecret.headers['www-authenticate'], /^Basic realm=/)
  const unknown = await formPost(app, '/oauth/token', fields, { id: 999999, secret: client.clientSecret })
  t.equal(unknown.statusCode, 401)
  const wrongPost = await formPost(app, '/oauth/token', {
    ...fields,
    client_id: String(client.application.id),
    client_secret: 'lkc_wrong',
  })
  t.equal(wrongPost.statusCode, 401, 'client_secret_post with a wrong secret')
  const both = await formPost(
    app,
    '/oauth/token',
    { ...fields, client_secret: client.clientSecret },
    { id: client.application.id, secret: client.clientSecret },
  )
  t.equal(both.json().error, 'invalid_request', 'two authentication methods at once')
  const basic = { id: client.application.id, secret: client.clientSecret }
  const grant = await formPost(app, '/oauth/token', { ...fields, grant_type: 'password' }, basic)
  t.equal(grant.statusCode, 400)
  t.equal(grant.json().error, 'unsupported_grant_type')
  const noGrant = await formPost(app, '/oauth/token', { ...fields, grant_type: undefined }, basic)
  t.equal(noGrant.json().error, 'invalid_request')
  const noCode = await formPost(app, '/oauth/token', { ...fields, code: undefined }, basic)
  t.equal(noCode.json().error, 'invalid_request')
  const good = await formPost(app, '/oauth/token', fields, basic)
  t.equal(good.statusCode, 200, 'the code still works after all that')
})

t.test(`a user who lost the role before the exchange gets no token (${DATABASE_KIND})`, async (t) => {
  const { app, user, client, browser, redirectUri } = await setup(t)
  const code = await obtainCode(browser, client.application, user.studioId)
  await app.db
    .updateTable('memberships')
    .set({ role: 'browse' })
    .where('user_id', '=', user.userId)
    .where('account_id', '=', user.studioId)
    .execute()
  const response = await exchangeCode(app, client, code, redirectUri)
  t.equal(response.statusCode, 400)
  t.equal(response.json().error, 'invalid_grant')
  t.equal((await app.db.selectFrom('tokens').selectAll().execute()).length, 0)
})
