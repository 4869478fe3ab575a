import type { FastifyInstance } from 'fastify'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import t from 'tap'
import { consentSetup, locationParams, openConsent } from '../consent/flow-helpers.js'
import { personalToken } from '../fixtures.js'
import { DATABASE_KIND } from '../helper.js'
import { authorizeUrl, exchangeCode, formPost, obtainCode } from '../oauth/oauth-helpers.js'

// CONTRACT 10: the id token of the code grant and /oauth/userinfo, by the granted scopes.

const REDIRECT = 'https://app.example.com/cb'
const ISSUER = 'http://localhost:3000'

async function jwks(app: FastifyInstance) {
  return createLocalJWKSet((await app.inject({ url: '/oauth/jwks' })).json())
}

function userinfo(app: FastifyInstance, token: string | undefined, method: 'GET' | 'POST' = 'GET') {
  return app.inject({
    method,
    url: '/oauth/userinfo',
    headers: token ? { authorization: `Bearer ${token}` } : {},
  })
}

t.test(`id token and userinfo by scope (${DATABASE_KIND})`, async (t) => {
  const { app, user, client, browser } = await consentSetup(t, { redirect_url: REDIRECT })
  const tokenFor = async (params: Record<string, string>) => {
    const code = await obtainCode(browser, client.application, user.studioId, params)
    const response = await exchangeCode(app, client, code, REDIRECT)
    t.equal(response.statusCode, 200, response.body)
    return response.json()
  }

  const plain = await tokenFor({ scope: 'design' })
  t.same(
    Object.keys(plain),
    ['access_token', 'token_type', 'scope', 'account_id'],
    'a plain request: as before',
  )
  t.equal(plain.scope, 'design')
  const none = await tokenFor({})
  t.equal(none.scope, 'design', 'no scope: the application permission, as before')
  t.notOk(none.id_token)

  const full = await tokenFor({ scope: 'openid profile email design', nonce: 'n-0S6_WzA2Mj' })
  t.equal(full.scope, 'design openid profile email', 'formatScope: the permission first')
  t.match(full.id_token, /^ey/)
  const { payload, protectedHeader } = await jwtVerify(full.id_token, await jwks(app), {
    issuer: ISSUER,
    audience: String(client.application.id),
    algorithms: ['ES256'],
  })
  t.equal(protectedHeader.alg, 'ES256')
  t.match(protectedHeader.kid, /^[A-Za-z0-9_-]{43}$/)
  t.equal(payload.sub, String(user.userId), 'sub is the user id as a string')
  t.equal(payload.nonce, 'n-0S6_WzA2Mj')
  t.equal(payload.account_id, user.studioId, 'account_id is a number')
  t.same(payload.amr, ['pwd'], 'amr: an array')
  t.type(payload.auth_time, 'number')
  t.ok((payload.auth_time as number) <= (payload.iat as number))
  t.ok((payload.exp as number) > (payload.iat as number))
  t.equal(payload.name, 'design user')
  t.equal(payload.email, user.email)
  t.equal(payload.email_verified, true)

  const info = await userinfo(app, full.access_token)
  t.equal(info.statusCode, 200, info.body)
  t.equal(info.headers['cache-control'], 'no-store')
  t.same(info.json(), {
    sub: String(user.userId),
    account_id: user.studioId,
    name: 'design user',
    email: user.email,
    email_verified: true,
  })
  t.same((await userinfo(app, full.access_token, 'POST')).json(), info.json(), 'POST answers the same')

  const openidOnly = await tokenFor({ scope: 'openid' })
  t.equal(openidOnly.scope, 'design openid')
  const bare = (await jwtVerify(openidOnly.id_token, await jwks(app))).payload
  t.notOk('nonce' in bare, 'no nonce when none was sent')
  t.notOk('name' in bare || 'email' in bare, 'no profile or email claims without those scopes')
  t.same((await userinfo(app, openidOnly.access_token)).json(), {
    sub: String(user.userId),
    account_id: user.studioId,
  })

  const withProfile = await tokenFor({ scope: 'openid profile' })
  t.same((await userinfo(app, withProfile.access_token)).json(), {
    sub: String(user.userId),
    account_id: user.studioId,
    name: 'design user',
  })

  const withEmail = await tokenFor({ scope: 'email openid' })
  t.same((await userinfo(app, withEmail.access_token)).json(), {
    sub: String(user.userId),
    account_id: user.studioId,
    email: user.email,
    email_verified: true,
  })

  // RFC 6750 3.1: a token without openid is insufficient_scope; none or a dead one is invalid_token.
  for (const [label, token] of [
    ['an application token without openid', plain.access_token],
    ['a personal token', await personalToken(app, user, 'design')],
  ]) {
    const refused = await userinfo(app, token)
    t.equal(refused.statusCode, 403, label)
    t.match(refused.headers['www-authenticate'], /^Bearer .*error="insufficient_scope"/)
    t.equal(refused.json().error, 'insufficient_scope')
  }
  for (const [label, token] of [
    ['no token', undefined],
    ['an unknown token', 'lka_000000000000000000000000000000000000000000000000'],
  ] as const) {
    const refused = await userinfo(app, token)
    t.equal(refused.statusCode, 401, label)
    t.match(refused.headers['www-authenticate'], /^Bearer .*error="invalid_token"/)
    t.equal(refused.json().error, 'invalid_token')
  }
  const inQuery = await app.inject({ url: `/oauth/userinfo?access_token=${withEmail.access_token}` })
  t.equal(inQuery.statusCode, 401, 'a token in the query string is not read')

  const revoked = await formPost(
    app,
    '/oauth/revoke',
    { token: withEmail.access_token },
    { id: client.application.id, secret: client.clientSecret },
  )
  t.equal(revoked.statusCode, 200)
  const afterRevoke = await userinfo(app, withEmail.access_token)
  t.equal(afterRevoke.statusCode, 401, 'a revoked token')
  t.match(afterRevoke.headers['www-authenticate'], /error="invalid_token"/)

  const stored = await app.db
    .selectFrom('tokens')
    .select(['scopes'])
    .where('kind', '=', 'application')
    .execute()
  t.ok(
    stored.some((row) => row.scopes === 'openid profile email'),
    'the identity scopes are stored with the token',
  )
  t.equal(decodeProtectedHeader(full.id_token).typ, 'JWT')
})

t.test(`scopes and nonce at /oauth/authorize, and the consent page (${DATABASE_KIND})`, async (t) => {
  const { client, browser } = await consentSetup(t, { redirect_url: REDIRECT })
  for (const [scope, why] of [
    ['openid unknown', 'an unknown word'],
    ['openid admin', 'more than the application may ask for'],
    ['browse design', 'two permissions'],
  ] as const) {
    const response = await browser.get(authorizeUrl(client.application, { scope }))
    t.equal(response.statusCode, 302, why)
    const params = locationParams(response)
    t.equal(params.get('error'), 'invalid_scope', why)
    t.equal(params.get('state'), 'st')
  }
  const longNonce = await browser.get(
    authorizeUrl(client.application, { scope: 'openid', nonce: 'n'.repeat(256) }),
  )
  t.equal(locationParams(longNonce).get('error'), 'invalid_request', 'a nonce over 255 characters')

  const page = await browser.get(authorizeUrl(client.application, { scope: 'openid profile email' }))
  t.equal(page.statusCode, 200)
  t.match(page.body, /signs you in with your Latchkey identity and learns your name and your email address/)
  const signInOnly = await browser.get(authorizeUrl(client.application, { scope: 'openid' }))
  t.match(signInOnly.body, /signs you in with your Latchkey identity\./)
  t.notMatch(signInOnly.body, /your email address/)
  const plain = await browser.get(authorizeUrl(client.application, { scope: 'design' }))
  t.notMatch(plain.body, /Signs you in/, 'a plain request says nothing about identity')

  // The nonce is bound by the signed ticket: a form naming another nonce is not a field it reads.
  const fields = await openConsent(
    browser,
    authorizeUrl(client.application, { scope: 'openid', nonce: 'abc' }),
  )
  t.notOk('nonce' in fields, 'the nonce travels inside the signed ticket, not as a form field')
})
