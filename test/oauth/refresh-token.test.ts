import t from 'tap'
import { me } from '../fixtures.js'
import { DATABASE_KIND } from '../helper.js'
import { verify } from '../validation/fixtures.js'
import { LIFETIME, lifetimeSetup as setup } from './lifetime-helpers.js'

t.test(
  `without a lifetime the code grant answers as before: no expires_in, no refresh token (${DATABASE_KIND})`,
  async (t) => {
    const { firstTokens, app } = await setup(t, null)
    const body = await firstTokens()
    t.same(Object.keys(body), ['access_token', 'token_type', 'scope', 'account_id'])
    t.equal(
      await app.db
        .selectFrom('refresh_tokens')
        .select('id')
        .execute()
        .then((r) => r.length),
      0,
    )
  },
)

t.test(
  `with a lifetime: expires_in, an lkr_ refresh token stored only as a hash, the token's expires_at (${DATABASE_KIND})`,
  async (t) => {
    const { firstTokens, app, clock } = await setup(t)
    const body = await firstTokens()
    t.equal(body.expires_in, LIFETIME)
    t.match(body.refresh_token, /^lkr_[0-9A-Za-z]{49}$/)
    const token = await app.db.selectFrom('tokens').select('expires_at').executeTakeFirstOrThrow()
    const offset = (token.expires_at?.getTime() ?? 0) - clock.now().getTime() - LIFETIME * 1000
    t.ok(Math.abs(offset) < 5000, 'expires_at = now + lifetime')
    const stored = JSON.stringify(await app.db.selectFrom('refresh_tokens').selectAll().execute())
    t.notMatch(stored, body.refresh_token.slice(4), 'the refresh token itself is not stored')
  },
)

t.test(
  `refresh rotates: a new access token and a new refresh token; the old one is spent (${DATABASE_KIND})`,
  async (t) => {
    const { firstTokens, refresh, app } = await setup(t)
    const first = await firstTokens()
    const rotated = await refresh(first.refresh_token)
    t.equal(rotated.statusCode, 200, rotated.body)
    t.equal(rotated.headers['cache-control'], 'no-store')
    const body = rotated.json()
    t.same(Object.keys(body).sort(), [
      'access_token',
      'account_id',
      'expires_in',
      'refresh_token',
      'scope',
      'token_type',
    ])
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
  },
)

t.test(
  `reuse of a spent refresh token revokes every token of the authorization, audited (${DATABASE_KIND})`,
  async (t) => {
    const { firstTokens, refresh, app } = await setup(t)
    const first = await firstTokens()
    const rotated = (await refresh(first.refresh_token)).json()
    t.equal((await verify(app, rotated.access_token)).statusCode, 200, 'served and now cached')
    const reused = await refresh(first.refresh_token)
    t.equal(reused.statusCode, 400)
    t.equal(reused.json().error, 'invalid_grant')
    t.equal((await verify(app, first.access_token)).statusCode, 401, 'the old access token is inactive')
    t.equal(
      (await verify(app, rotated.access_token)).statusCode,
      401,
      'the rotated access token too (its cache entry dropped)',
    )
    const successor = await refresh(rotated.refresh_token)
    t.equal(successor.json().error, 'invalid_grant', 'and the live refresh token of the chain')
    const events = await app.db
      .selectFrom('audit_events')
      .select('action')
      .where('action', '=', 'refresh_token.reused')
      .execute()
    t.ok(events.length >= 1, 'audited')
  },
)

t.test(`two concurrent uses of one refresh token: exactly one succeeds (${DATABASE_KIND})`, async (t) => {
  const { firstTokens, refresh } = await setup(t)
  const first = await firstTokens()
  const answers = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)])
  t.same(answers.map((a) => a.statusCode).sort(), [200, 400], answers.map((a) => a.body).join('\n'))
})
