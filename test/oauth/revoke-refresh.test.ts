import t from 'tap'
import { seedApplication } from '../fixtures.js'
import { DATABASE_KIND } from '../helper.js'
import { REDIRECT, lifetimeSetup as setup } from './lifetime-helpers.js'
import { formPost, obtainCode, pkcePair } from './oauth-helpers.js'

// RFC 7009 with refresh tokens (CONTRACT 10): a refresh token revoked by its own
// client ends its chain and the access tokens of its authorization.

t.test(
  `/oauth/revoke ends a refresh token's chain and its authorization's access tokens (${DATABASE_KIND})`,
  async (t) => {
    const { app, client, user, firstTokens, refresh } = await setup(t)
    const basic = { id: client.application.id, secret: client.clientSecret }
    const verify = (token: string) =>
      app.inject({ url: '/verify', headers: { authorization: `Bearer ${token}` } })
    const first = await firstTokens()
    const rotated = await refresh(first.refresh_token)
    t.equal(rotated.statusCode, 200)
    const chain = rotated.json() as { access_token: string; refresh_token: string }
    const otherChain = await firstTokens()
    t.equal((await verify(chain.access_token)).statusCode, 200, 'the access token works (and is cached)')

    const other = await seedApplication(
      app,
      { accountId: user.studioId },
      { redirect_url: REDIRECT, permission: 'design' },
    )
    const foreign = await formPost(
      app,
      '/oauth/revoke',
      { token: chain.refresh_token, token_type_hint: 'refresh_token' },
      { id: other.application.id, secret: other.clientSecret },
    )
    t.equal(foreign.statusCode, 200, "another application's revocation: 200 …")
    const noSecret = await formPost(app, '/oauth/revoke', {
      token: chain.refresh_token,
      client_id: String(client.application.id),
    })
    t.equal(noSecret.statusCode, 401, 'issued to an authenticated client: the secret is required')
    t.equal(noSecret.json().error, 'invalid_client')
    const spent = await formPost(app, '/oauth/revoke', { token: first.refresh_token }, basic)
    t.equal(spent.statusCode, 200, 'a spent refresh token: 200, and nothing happens')
    t.equal((await verify(chain.access_token)).statusCode, 200, '… the chain still works after all three')

    const revoked = await formPost(
      app,
      '/oauth/revoke',
      { token: chain.refresh_token, token_type_hint: 'refresh_token' },
      basic,
    )
    t.equal(revoked.statusCode, 200)
    t.equal(revoked.body, '', 'empty body (RFC 7009 2.2)')
    t.equal((await verify(chain.access_token)).statusCode, 401, "the chain's access token is refused at once")
    t.equal(
      (await verify(otherChain.access_token)).statusCode,
      401,
      "so is every access token of the authorization (RFC 7009 2.1's SHOULD: they cannot be told apart by chain)",
    )
    const again = await refresh(chain.refresh_token)
    t.equal(again.statusCode, 400)
    t.equal(
      again.json().error,
      'invalid_grant',
      'the revoked refresh token no longer refreshes (checked last: presenting it again counts as reuse)',
    )
    const events = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'refresh_token.revoked')
      .execute()
    t.equal(events.length, 1, 'one refresh_token.revoked event; the spent one made none')
    t.equal(events[0]?.account_id, user.studioId, "in the authorization's account's log")
    t.equal(events[0]?.target_id, String(client.application.id))
    t.match(events[0]?.details, { revoked_refresh_tokens: 1 })
  },
)

t.test(`the other chains of the authorization keep their refresh tokens (${DATABASE_KIND})`, async (t) => {
  const { app, client, firstTokens, refresh } = await setup(t)
  const one = await firstTokens()
  const two = await firstTokens()
  const response = await formPost(
    app,
    '/oauth/revoke',
    { token: one.refresh_token },
    { id: client.application.id, secret: client.clientSecret },
  )
  t.equal(response.statusCode, 200)
  const next = await refresh(two.refresh_token)
  t.equal(next.statusCode, 200, 'another chain (another device) refreshes: it gets a working token again')
  const verified = await app.inject({
    url: '/verify',
    headers: { authorization: `Bearer ${next.json().access_token}` },
  })
  t.equal(verified.statusCode, 200)
  t.equal((await refresh(one.refresh_token)).statusCode, 400, 'the revoked chain is over')
})

t.test(
  `a public client revokes its refresh token by client_id alone; access tokens still need the secret (${DATABASE_KIND})`,
  async (t) => {
    const { app, client, browser, user } = await setup(t)
    const pkce = pkcePair()
    const code = await obtainCode(browser, client.application, user.studioId, {
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    })
    const issued = await formPost(app, '/oauth/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: pkce.verifier,
      client_id: String(client.application.id),
    })
    t.equal(issued.statusCode, 200, issued.body)
    const tokens = issued.json() as { access_token: string; refresh_token: string }
    const clientId = String(client.application.id)
    const accessOnly = await formPost(app, '/oauth/revoke', {
      token: tokens.access_token,
      client_id: clientId,
    })
    t.equal(accessOnly.statusCode, 401, 'an access token: client authentication is required, as before')
    t.equal(accessOnly.json().error, 'invalid_client')
    const response = await formPost(app, '/oauth/revoke', {
      token: tokens.refresh_token,
      token_type_hint: 'refresh_token',
      client_id: clientId,
    })
    t.equal(response.statusCode, 200)
    const refreshed = await formPost(app, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: clientId,
    })
    t.equal(refreshed.json().error, 'invalid_grant', 'the refresh token is revoked')
    const verified = await app.inject({
      url: '/verify',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    })
    t.equal(verified.statusCode, 401, 'and its access token with it')
  },
)
