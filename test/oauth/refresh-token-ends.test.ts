import t from 'tap'
import { sweepBatch } from '../../src/housekeeping/sweep.js'
import { REFRESH_TOKEN_IDLE_MS } from '../../src/oauth/refresh-tokens.js'
import { authorize, seedApplication } from '../fixtures.js'
import { DATABASE_KIND } from '../helper.js'
import { REDIRECT, lifetimeSetup as setup } from './lifetime-helpers.js'
import { formPost, obtainCode, pkcePair } from './oauth-helpers.js'

t.test(
  `a refresh token unused for 30 days is dead; housekeeping deletes it (${DATABASE_KIND})`,
  async (t) => {
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
  },
)

t.test(
  `refresh after the authorization is revoked or the application deleted: invalid_grant (${DATABASE_KIND})`,
  async (t) => {
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
  },
)

t.test(
  `re-authorized lower, or the person's role lowered: the refreshed token has the lower permission (${DATABASE_KIND})`,
  async (t) => {
    const { firstTokens, refresh, app, user, client } = await setup(t)
    const first = await firstTokens()
    // Re-authorized lower, through the service both consent flows use.
    await authorize(app, client.application, { accountId: user.studioId, userId: user.userId }, 'browse')
    const lowered = await refresh(first.refresh_token)
    t.equal(lowered.statusCode, 200, lowered.body)
    t.equal(lowered.json().scope, 'browse', 'the authorization is browse now')
    t.equal(
      (await refresh(lowered.json().refresh_token, { scope: 'design' })).json().error,
      'invalid_scope',
      'the chain narrowed too',
    )
    await app.db.deleteFrom('memberships').where('user_id', '=', user.userId).execute()
    const noRole = await refresh(lowered.json().refresh_token, { scope: 'browse' })
    t.equal(noRole.json().error, 'invalid_grant', 'the person lost the role')
  },
)

t.test(
  `client authentication on refresh: the original client only; a public PKCE client by client_id (${DATABASE_KIND})`,
  async (t) => {
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
    const missing = await formPost(
      app,
      '/oauth/token',
      { grant_type: 'refresh_token' },
      { id: client.application.id, secret: client.clientSecret },
    )
    t.equal(missing.json().error, 'invalid_request')
    const noSecret = await formPost(app, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: String(client.application.id),
    })
    t.equal(noSecret.statusCode, 401, 'issued to an authenticated client: the secret is required')
    t.equal(noSecret.json().error, 'invalid_client')

    const other = await seedApplication(
      app,
      { accountId: user.studioId },
      { redirect_url: REDIRECT, permission: 'design' },
    )
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
  },
)
