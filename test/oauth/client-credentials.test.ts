import t from 'tap'
import { deleteApplication, updateApplication } from '../../src/applications/service.js'
import { AUDIT, listenInvalidations, me, seedApplication, TestClock } from '../fixtures.js'
import { build, DATABASE_KIND, seedFirstAdmin, type Teardown } from '../helper.js'
import { introspect, verify } from '../validation/fixtures.js'
import { formPost } from './oauth-helpers.js'

async function setup(t: Teardown, lifetime: number | null = null) {
  const clock = new TestClock()
  const { app, database } = await build(t, { now: clock.now })
  const admin = await seedFirstAdmin(app)
  const client = await seedApplication(
    app,
    { accountId: admin.accountId, userId: admin.userId },
    { permission: 'publish', access_token_lifetime: lifetime },
  )
  const basic = { id: client.application.id, secret: client.clientSecret }
  const grant = (extra: Record<string, string> = {}) =>
    formPost(app, '/oauth/token', { grant_type: 'client_credentials', ...extra }, basic)
  return { app, database, admin, client, clock, grant }
}

t.test(
  `client_credentials: a client token acting as the application, audited (${DATABASE_KIND})`,
  async (t) => {
    const { app, admin, client, grant } = await setup(t)
    const response = await grant()
    t.equal(response.statusCode, 200, response.body)
    const body = response.json()
    t.same(
      Object.keys(body),
      ['access_token', 'token_type', 'scope', 'account_id'],
      'no lifetime: no expires_in; never a refresh token',
    )
    t.match(body.access_token, /^lka_/)
    t.equal(body.scope, 'publish')
    t.equal(body.account_id, admin.accountId)
    const row = await app.db
      .selectFrom('tokens')
      .selectAll()
      .where('kind', '=', 'client')
      .executeTakeFirstOrThrow()
    t.equal(row.user_id, null)

    const verified = await verify(app, body.access_token)
    t.equal(verified.statusCode, 200)
    t.equal(verified.headers['x-auth-user-id'], '', 'empty X-Auth-User-Id')
    t.equal(verified.headers['x-auth-app-id'], String(client.application.id))
    const introspected = await introspect(app, client.basic, body.access_token)
    const answer = introspected.json()
    t.equal(answer.token_kind, 'client')
    t.equal(answer.sub, String(client.application.id), 'sub = the client id')
    t.notOk('username' in answer, 'no username')
    t.equal(answer.permission, 'publish')

    const meAnswer = await me(app, body.access_token)
    t.equal(meAnswer.statusCode, 200, meAnswer.body)
    t.equal(meAnswer.json().user, null)
    t.equal(meAnswer.json().token.kind, 'client')
    const list = await app.inject({
      url: '/api/v1/applications',
      headers: { authorization: `Bearer ${body.access_token}` },
    })
    t.equal(list.statusCode, 403, 'other /api/v1 routes refuse a client token')

    const narrower = await grant({ scope: 'browse' })
    t.equal(narrower.json().scope, 'browse', 'scope may ask less')
    const wider = await grant({ scope: 'admin' })
    t.equal(wider.statusCode, 400)
    t.equal(wider.json().error, 'invalid_scope')
    const identity = await grant({ scope: 'openid' })
    t.equal(identity.json().error, 'invalid_scope', 'no identity scopes')
    const events = await app.db
      .selectFrom('audit_events')
      .select('action')
      .where('action', '=', 'client_credentials.issued')
      .execute()
    t.equal(events.length, 2)
  },
)

t.test(`client_credentials needs the client secret: none is invalid_client (${DATABASE_KIND})`, async (t) => {
  const { app, client } = await setup(t)
  const none = await formPost(app, '/oauth/token', {
    grant_type: 'client_credentials',
    client_id: String(client.application.id),
  })
  t.equal(none.statusCode, 401)
  t.equal(none.json().error, 'invalid_client')
  const wrong = await formPost(
    app,
    '/oauth/token',
    { grant_type: 'client_credentials' },
    { id: client.application.id, secret: 'lkc_wrong' },
  )
  t.equal(wrong.json().error, 'invalid_client')
})

t.test(`with a lifetime: expires_in, and the token expires (${DATABASE_KIND})`, async (t) => {
  const { app, grant, clock, client } = await setup(t, 120)
  const body = (await grant()).json()
  t.equal(body.expires_in, 120)
  t.notOk('refresh_token' in body, 'no refresh token (RFC 6749 4.4.3)')
  t.equal((await verify(app, body.access_token)).statusCode, 200)
  clock.advance(121)
  t.equal((await verify(app, body.access_token)).statusCode, 401)
  t.same((await introspect(app, client.basic, body.access_token)).json(), { active: false })
})

t.test(
  `lowering the application's permission narrows client tokens, deleting it kills them; announced (${DATABASE_KIND})`,
  async (t) => {
    const { app, database, admin, client, grant } = await setup(t)
    const token = (await grant()).json().access_token
    t.equal((await verify(app, token)).headers['x-auth-permission'], 'publish', 'cached as publish')
    const log = await listenInvalidations(t, database)
    const actor = { ...AUDIT, actorUserId: admin.userId }
    await updateApplication(
      app.db,
      {
        accountId: admin.accountId,
        id: client.application.id,
        fields: { permission: 'browse' },
        now: new Date(),
      },
      actor,
    )
    t.ok(await log.arrives({ type: 'application', id: client.application.id }), 'the change is announced')
    t.equal((await verify(app, token)).headers['x-auth-permission'], 'browse', 'narrowed')
    t.equal((await verify(app, token, '?permission=publish')).statusCode, 403)
    await deleteApplication(app.db, { accountId: admin.accountId, id: client.application.id }, actor)
    t.equal((await verify(app, token)).statusCode, 401, 'deleted: the token is dead')
  },
)
