import t from 'tap'
import { sweepBatch } from '../../src/housekeeping/sweep.js'
import { REFRESH_TOKEN_IDLE_MS } from '../../src/oauth/refresh-tokens.js'
import { consentSetup } from '../consent/flow-helpers.js'
import { authorize, me, seedApplication, TestClock } from '../fixtures.js'
import { DATABASE_KIND, type Teardown } from '../helper.js'
import { cacheLookups, introspect, verify } from '../validation/fixtures.js'
import { exchangeCode, formPost, obtainCode, pkcePair } from './oauth-helpers.js'

const REDIRECT = 'https://app.example.com/cb'
const LIFETIME = 3600

// Within the validation cache's 10-minute safety TTL, so that an expired token is still a cache hit.
const SHORT_LIFETIME = 120

async function setup(t: Teardown, lifetime: number | null = LIFETIME) {
  const clock = new TestClock()
  const { app, user, client, browser } = await consentSetup(
    t,
    { redirect_url: REDIRECT, access_token_lifetime: lifetime },
    { now: clock.now },
  )
  const firstTokens = async (accountId = user.studioId) => {
    const code = await obtainCode(browser, client.application, accountId)
    const response = await exchangeCode(app, client, code, REDIRECT)
    if (response.statusCode !== 200) throw new Error(response.body)
    return response.json() as { access_token: string; refresh_token: string; expires_in: number; scope: string }
  }
  const refresh = (refreshToken: string, extra: Record<string, string> = {}) =>
    formPost(
      app,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra },
      { id: client.application.id, secret: client.clientSecret },
    )
  return { app, user, client, browser, clock, firstTokens, refresh }
}

t.test(`without a lifetime the code grant answers as before: no expires_in, no refresh token (${DATABASE_KIND})`, async (t) => {
  const { firstTokens, app } = await setup(t, null)
  const body = await firstTokens()
  t.same(Object.keys(body), ['access_token', 'token_type', 'scope', 'account_id'])
  t.equal(await app.db.selectFrom('refresh_tokens').select('id').execute().then((r) => r.length), 0)
})

t.test(`with a lifetime: expires_in, an lkr_ refresh token stored only as a hash, the token's expires_at (${DATABASE_KIND})`, async (t) => {
  const { firstTokens, app, clock } = await setup(t)
  const body = await firstTokens()
  t.equal(body.expires_in, LIFETIME)
  t.match(body.refresh_token, /^lkr_[0-9A-Za-z]{49}$/)
  const token = await app.db.selectFrom('tokens').select('expires_at').executeTakeFirstOrThrow()
  const offset = (token.expires_at?.getTime() ?? 0) - clock.now().getTime() - LIFETIME * 1000
  t.ok(Math.abs(offset) < 5000, 'expires_at = now + lifetime')
  const stored = JSON.stringify(await app.db.selectFrom('refresh_tokens').selectAll().execute())
  t.notMatch(stored, body.refresh_token.slice(4), 'the refresh token itself is not stored')
})

t.test(`refresh rotates: a new access token and a new refresh token; the old one is spent (${DATABASE_KIND})`, async (t) => {
  const { firstTokens, refresh, app } = await setup(t)
  const first = await firstTokens()
  const rotated = await refresh(first.refresh_token)
  t.equal(rotated.statusCode, 200, rotated.body)
  t.equal(rotated.headers['cache-control'], 'no-store')
  const body = rotated.json()
  t.same(Object.keys(body).sort(), ['access_token', 'account_id', 'expires_in', 'refresh_token', 'scope', 'token_type'])
  t.not(body.access_token, first.access_token)
  t.not(body.refresh_token, first.refresh_token)
  t.equal(body.scope, 'design')
  t.equal(body.expires_in, LIFETIME)
  t.equal((await me(app, body.access_token)).statusCode, 200, 'the new access token works')
  const again = await refresh(body.refresh_token, { scope: 'browse' })
  t.equal(again.statusCode, 200, again.body)
  t.equal(again.json().scope, 'browse', 'scope may narrow')
  const wider = await refresh(again.json().refresh_token, { scope: 'admin' })
  t.equal(wider.statusCode, 400)
  t.equal(wider.json().error, 'invalid_scope', 'never widen')
})

t.test(`reuse of a spent refresh token revokes every token of the authorization, audited (${DATABASE_KIND})`, async (t) => {
  const { firstTokens, refresh, app } = await setup(t)
  const first = await firstTokens()
  const rotated = (await refresh(first.refresh_token)).json()
  t.equal((await verify(app, rotated.access_token)).statusCode, 200, 'served and now cached')
  const reused = await refresh(first.refresh_token)
  t.equal(reused.statusCode, 400)
  t.equal(reused.json().error, 'invalid_grant')
  t.equal((await verify(app, first.access_token)).statusCode, 401, 'the old access token is inactive')
  t.equal((await verify(app, rotated.access_token)).statusCode, 401, 'the rotated access token too (its cache entry dropped)')
  const successor = await refresh(rotated.refresh_token)
  t.equal(successor.json().error, 'invalid_grant', 'and the live refresh token of the chain')
  const events = await app.db.selectFrom('audit_events').select('action').where('action', '=', 'refresh_token.reused').execute()
  t.ok(events.length >= 1, 'audited')
})

t.test(`two concurrent uses of one refresh token: exactly one succeeds (${DATABASE_KIND})`, async (t) => {
  const { firstTokens, refresh } = await setup(t)
  const first = await firstTokens()
  const answers = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)])
  t.same(answers.map((a) => a.statusCode).sort(), [200, 400], answers.map((a) => a.body).join('\n'))
})

t.test(`a refresh token unused for 30 days is dead; housekeeping deletes it (${DATABASE_KIND})`, async (t) => {
  const { firstTokens, refresh, clock, app } = await setup(t)
  const first = await firstTokens()
  clock.advance(REFRESH_TOKEN_IDLE_MS / 1000 - 60)
  const stillAlive = await refresh(first.refresh_token)
  t.equal(stillAlive.statusCode, 200, 'a day short of 30: still alive, and the count starts again')
  clock.advance(REFRESH_TOKEN_IDLE_MS / 1000 + 1)
  const dead = await refresh(stillAlive.json().refresh_token)
  t.equal(dead.statusCode, 400)
  t.equal(dead.json().error, 'invalid_grant')
  t.match(dead.json().error_description, /30 days/)
  const totals = await sweepBatch(app.db, {
    now: clock.now(),
    sessionIdleSeconds: 3600,
    tokenRetentionDays: 30,
    loginWindowSeconds: 900,
    batchSize: 100,
  })
  t.equal(totals.refresh_tokens, 2, 'both rows swept')
  t.equal((await app.db.selectFrom('refresh_tokens').select('id').execute()).length, 0)
})

t.test(`refresh after the authorization is revoked or the application deleted: invalid_grant (${DATABASE_KIND})`, async (t) => {
  const { firstTokens, refresh, app, user, client } = await setup(t)
  const first = await firstTokens()
  // What revoking on the Apps page does to the row (authorizations/repo.ts deleteAuthorization).
  await app.db.deleteFrom('authorizations').where('application_id', '=', client.application.id).execute()
  const afterRevoke = await refresh(first.refresh_token)
  t.equal(afterRevoke.json().error, 'invalid_grant', 'revoked authorization')

  const second = await firstTokens(user.studioKidsId)
  await app.db.deleteFrom('applications').where('id', '=', client.application.id).execute()
  const afterDelete = await refresh(second.refresh_token)
  t.equal(afterDelete.statusCode, 401, 'the application is gone: its client is unknown')
  t.equal(afterDelete.json().error, 'invalid_client')
})

t.test(`re-authorized lower, or the person's role lowered: the refreshed token has the lower permission (${DATABASE_KIND})`, async (t) => {
  const { firstTokens, refresh, app, user, client } = await setup(t)
  const first = await firstTokens()
  // Re-authorized lower, through the service both consent flows use.
  await authorize(app, client.application, { accountId: user.studioId, userId: user.userId }, 'browse')
  const lowered = await refresh(first.refresh_token)
  t.equal(lowered.statusCode, 200, lowered.body)
  t.equal(lowered.json().scope, 'browse', 'the authorization is browse now')
  t.equal((await refresh(lowered.json().refresh_token, { scope: 'design' })).json().error, 'invalid_scope', 'the chain narrowed too')
  await app.db.deleteFrom('memberships').where('user_id', '=', user.userId).execute()
  const noRole = await refresh(lowered.json().refresh_token, { scope: 'browse' })
  t.equal(noRole.json().error, 'invalid_grant', 'the person lost the role')
})

t.test(`client authentication on refresh: the original client only; a public PKCE client by client_id (${DATABASE_KIND})`, async (t) => {
  const { firstTokens, app, client, browser, user } = await setup(t)
  const first = await firstTokens()
  const unknown = await formPost(
    app,
    '/oauth/token',
    { grant_type: 'refresh_token', refresh_token: 'lkr_nonsense' },
    { id: client.application.id, secret: client.clientSecret },
  )
  t.equal(unknown.statusCode, 400)
  t.equal(unknown.json().error, 'invalid_grant')
  const missing = await formPost(app, '/oauth/token', { grant_type: 'refresh_token' }, { id: client.application.id, secret: client.clientSecret })
  t.equal(missing.json().error, 'invalid_request')
  const noSecret = await formPost(app, '/oauth/token', {
    grant_type: 'refresh_token',
    refresh_token: first.refresh_token,
    client_id: String(client.application.id),
  })
  t.equal(noSecret.statusCode, 401, 'issued to an authenticated client: the secret is required')
  t.equal(noSecret.json().error, 'invalid_client')

  const other = await seedApplication(app, { accountId: user.studioId }, { redirect_url: REDIRECT, permission: 'design' })
  const wrongClient = await formPost(
    app,
    '/oauth/token',
    { grant_type: 'refresh_token', refresh_token: first.refresh_token },
    { id: other.application.id, secret: other.clientSecret },
  )
  t.equal(wrongClient.statusCode, 400)
  t.equal(wrongClient.json().error, 'invalid_grant', 'another client’s refresh token is unknown to it')

  const pkce = pkcePair()
  const code = await obtainCode(browser, client.application, user.studioKidsId, {
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
  })
  const publicTokens = await formPost(app, '/oauth/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: pkce.verifier,
    client_id: String(client.application.id),
  })
  t.equal(publicTokens.statusCode, 200, publicTokens.body)
  const publicRefresh = await formPost(app, '/oauth/token', {
    grant_type: 'refresh_token',
    refresh_token: publicTokens.json().refresh_token,
    client_id: String(client.application.id),
  })
  t.equal(publicRefresh.statusCode, 200, publicRefresh.body)
})

t.test(`expiry is enforced on /verify, introspection and /api/v1, also from the cache (${DATABASE_KIND})`, async (t) => {
  const { firstTokens, app, clock, client } = await setup(t, SHORT_LIFETIME)
  const { access_token: token } = await firstTokens()
  t.equal((await verify(app, token)).statusCode, 200)
  const active = await introspect(app, `Basic ${Buffer.from(`${client.application.id}:${client.clientSecret}`).toString('base64')}`, token)
  t.equal(active.json().active, true)
  t.equal(active.json().exp, active.json().iat + SHORT_LIFETIME, 'exp in the answer')
  t.equal((await me(app, token)).statusCode, 200)
  const before = (await cacheLookups(app)).hit ?? 0
  clock.advance(SHORT_LIFETIME + 1)
  t.equal((await verify(app, token)).statusCode, 401, '/verify after the lifetime')
  t.ok(((await cacheLookups(app)).hit ?? 0) > before, 'answered from the cache, still judged expired')
  const inactive = await introspect(app, `Basic ${Buffer.from(`${client.application.id}:${client.clientSecret}`).toString('base64')}`, token)
  t.same(inactive.json(), { active: false })
  t.equal((await me(app, token)).statusCode, 401, '/api/v1 after the lifetime')
})
