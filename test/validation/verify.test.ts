import t from 'tap'
import { generateToken } from '../../src/tokens/format.js'
import { build, DATABASE_KIND } from '../helper.js'
import { activeBodies, INACTIVE_401, seedValidation, verify } from './fixtures.js'

t.test(`GET /verify answers 200 with the 5b body and the identity headers (${DATABASE_KIND})`, async (t) => {
  const now = new Date('2026-06-01T00:00:00Z')
  const { app } = await build(t, { now: () => now })
  const expiresAt = new Date('2026-07-01T00:00:00Z')
  const seed = await seedValidation(app, { expiresAt })
  const bodies = await activeBodies(app, seed, expiresAt)

  const application = await verify(app, seed.grant.token)
  t.equal(application.statusCode, 200)
  t.equal(application.headers['cache-control'], 'no-store')
  t.equal(application.headers['x-auth-user-id'], String(seed.admin.userId))
  t.equal(application.headers['x-auth-account-id'], String(seed.admin.accountId))
  t.equal(application.headers['x-auth-permission'], 'publish')
  t.equal(application.headers['x-auth-app-id'], String(seed.reporter.application.id))
  t.equal(
    application.body,
    JSON.stringify(bodies.application),
    'the contract body, in its order, without exp for a token that does not expire',
  )

  const personal = await app.inject({ url: '/verify', headers: { token: seed.personal.token } })
  t.equal(personal.statusCode, 200, 'the token: header works too')
  t.equal(personal.headers['x-auth-app-id'], '', 'empty for API tokens')
  t.equal(personal.headers['x-auth-permission'], 'design')
  t.same(personal.json(), bodies.personal)
  t.notOk('client_id' in personal.json(), 'no client_id for a personal token')
})

t.test(`?permission= gives 200 when enough and the contract 403 when not (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const seed = await seedValidation(app)
  for (const level of ['browse', 'design']) {
    const ok = await verify(app, seed.personal.token, `?permission=${level}`)
    t.equal(ok.statusCode, 200, `design token, ${level} required`)
  }
  const denied = await verify(app, seed.personal.token, '?permission=publish')
  t.equal(denied.statusCode, 403)
  t.equal(denied.headers['cache-control'], 'no-store')
  t.same(denied.json(), {
    statusCode: 403,
    error: 'Insufficient Permission',
    message: 'This needs the publish permission; the token has design.',
    required: 'publish',
    permission: 'design',
  })
  t.notOk(denied.headers['x-auth-user-id'], 'no identity headers on a refusal')
  const counted = await app.metrics.tokenValidations.get()
  t.ok(
    counted.values.some((v) => v.labels.outcome === 'insufficient_permission' && v.value === 1),
    'counted as insufficient_permission',
  )

  const bad = await verify(app, seed.personal.token, '?permission=root')
  t.equal(bad.statusCode, 400)
  t.match(bad.json().message, /permission/, 'the message names the field')
})

t.test(`401s: no token, token in the query, inactive token (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const seed = await seedValidation(app)

  const none = await app.inject({ url: '/verify' })
  t.equal(none.statusCode, 401)
  t.equal(none.headers['www-authenticate'], 'Bearer realm="latchkey"', 'no error= when no token was sent')
  t.equal(none.headers['cache-control'], 'no-store')
  t.same(none.json(), {
    statusCode: 401,
    error: 'Authentication Failed',
    message:
      'A token is required: send it in a request header (Authorization: Bearer <token>, or token: <token>).',
  })

  const inQuery = await app.inject({ url: `/verify?token=${seed.personal.token}` })
  t.equal(inQuery.statusCode, 401)
  t.equal(inQuery.headers['www-authenticate'], 'Bearer realm="latchkey"')
  t.match(inQuery.json().message, /request header/)

  const basicAuth = await app.inject({ url: '/verify', headers: { authorization: seed.serviceBasic } })
  t.equal(basicAuth.statusCode, 401, 'Basic credentials are not a bearer token')

  for (const inactive of [
    generateToken('personal'),
    'lkp_short',
    'not-a-token',
    `${generateToken('application')}x`,
  ]) {
    const response = await verify(app, inactive)
    t.equal(response.statusCode, 401)
    t.equal(response.headers['www-authenticate'], 'Bearer realm="latchkey", error="invalid_token"')
    t.equal(response.headers['cache-control'], 'no-store')
    t.same(response.json(), INACTIVE_401)
    t.notOk(response.headers['x-auth-user-id'])
  }
})
