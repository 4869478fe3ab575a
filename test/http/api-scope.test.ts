import t from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { createApiToken, revokeApiToken } from '../../src/api-tokens/service.js'
import { publishInvalidation } from '../../src/invalidation/publish.js'
import { generateToken } from '../../src/tokens/format.js'
import { upsertMembership } from '../../src/users/repo.js'
import { AUDIT } from '../fixtures.js'
import { build, countQueries, DATABASE_KIND, seedFirstAdmin, seedUser } from '../helper.js'

t.test(`/api/v1 reads the token from a header only (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const { token, id } = await createApiToken(
    app.db,
    { accountId: admin.accountId, userId: admin.userId, name: 'ci', permission: 'publish', expiresAt: null },
    AUDIT,
  )
  for (const headers of [
    { authorization: `Bearer ${token}` },
    { authorization: `bearer ${token}` },
    { token },
  ]) {
    const me = await app.inject({ url: '/api/v1/me', headers })
    t.equal(me.statusCode, 200, JSON.stringify(Object.keys(headers)))
    t.same(me.json(), {
      user: { id: admin.userId, email: admin.email },
      account: { id: admin.accountId, name: 'Acme' },
      permission: 'publish',
      token: { id, kind: 'personal', name: 'ci', app_id: null, expires_at: null },
    })
  }

  const inQuery = await app.inject({ url: `/api/v1/me?token=${token}` })
  t.equal(inQuery.statusCode, 401)
  t.equal(inQuery.json().error, 'Authentication Failed')
  t.match(inQuery.json().message, /request header/)
  t.match(inQuery.json().message, /not read/)
  t.equal(inQuery.headers['www-authenticate'], 'Bearer realm="latchkey"')

  const inBody = await app.inject({ method: 'GET', url: '/api/v1/me?access_token=x' })
  t.match(inBody.json().message, /query string or body is not read/)

  const none = await app.inject({ url: '/api/v1/me' })
  t.equal(none.statusCode, 401)
  t.same(Object.keys(none.json()).sort(), ['error', 'message', 'statusCode'])
  t.match(none.json().message, /A token is required/)

  const unknown = await app.inject({
    url: '/api/v1/me',
    headers: { authorization: `Bearer ${generateToken('personal')}` },
  })
  t.equal(unknown.statusCode, 401)
  t.equal(unknown.headers['www-authenticate'], 'Bearer realm="latchkey", error="invalid_token"')

  await revokeApiToken(app.db, { accountId: admin.accountId, tokenId: id, now: new Date() }, AUDIT)
  const revoked = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
  t.equal(revoked.statusCode, 401)
  t.same(revoked.json(), unknown.json(), 'revoked and unknown look identical')
})

t.test('a malformed or bad-checksum token is rejected without a query', async (t) => {
  const { app } = await build(t)
  await seedFirstAdmin(app)
  const good = generateToken('personal')
  const badChecksum = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`
  const queries = countQueries(app)
  for (const bad of [badChecksum, 'lkp_short', 'not-a-token', `${good}x`]) {
    const response = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${bad}` } })
    t.equal(response.statusCode, 401)
  }
  t.equal(queries(), 0, 'no database query was made')
  await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${good}` } })
  t.ok(queries() > 0, 'a well-formed token does reach the database (the counter works)')
})

t.test('effective permission: demotion narrows, removal kills, expiry ends a token', async (t) => {
  let now = new Date('2026-06-01T00:00:00Z')
  const { app } = await build(t, { now: () => now })
  const admin = await seedFirstAdmin(app)
  const child = await createAccount(app.db, { name: 'Child', parentId: admin.accountId })
  const publisher = await seedUser(app, 'publish', { accountId: admin.accountId })
  const onChild = await createApiToken(
    app.db,
    {
      accountId: child.id,
      userId: publisher.userId,
      name: 'child token',
      permission: 'publish',
      expiresAt: null,
    },
    AUDIT,
  )
  const me = () => app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${onChild.token}` } })
  t.equal((await me()).json().permission, 'publish', 'inherited from the parent account')

  await app.db.transaction().execute(async (trx) => {
    const change = { accountId: admin.accountId, userId: publisher.userId }
    await upsertMembership(trx, { ...change, role: 'browse' })
    await publishInvalidation(trx, { type: 'membership', ...change })
  })
  t.equal(
    (await me()).json().permission,
    'browse',
    'a role lowered on the parent narrows the token on the sub-account',
  )

  await app.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('memberships').where('user_id', '=', publisher.userId).execute()
    await publishInvalidation(trx, {
      type: 'membership',
      accountId: admin.accountId,
      userId: publisher.userId,
    })
  })
  t.equal((await me()).statusCode, 401, 'no role left: the token stops')

  await t.rejects(
    createApiToken(
      app.db,
      {
        accountId: admin.accountId,
        userId: publisher.userId,
        name: 'x',
        permission: 'browse',
        expiresAt: null,
      },
      AUDIT,
    ),
    { message: /cannot have more permission than its creator \(none\)/ },
    'someone without a role cannot mint',
  )
  const designer = await seedUser(app, 'design', { accountId: admin.accountId })
  await t.rejects(
    createApiToken(
      app.db,
      {
        accountId: admin.accountId,
        userId: designer.userId,
        name: 'x',
        permission: 'admin',
        expiresAt: null,
      },
      AUDIT,
    ),
    { message: /cannot have more permission than its creator \(design\)/ },
  )

  const expiring = await createApiToken(
    app.db,
    {
      accountId: admin.accountId,
      userId: admin.userId,
      name: 'week',
      permission: 'admin',
      expiresAt: new Date(now.getTime() + 7 * 86400_000),
    },
    AUDIT,
  )
  const use = () => app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${expiring.token}` } })
  t.equal((await use()).statusCode, 200)
  t.equal((await use()).json().token.expires_at, expiring.expiresAt?.toISOString())
  now = new Date(now.getTime() + 7 * 86400_000 + 1000)
  t.equal((await use()).statusCode, 401, 'expired')
})

t.test('last_used_at is recorded off the request path, at most once a minute', async (t) => {
  let now = new Date('2026-06-01T00:00:00Z')
  const { app } = await build(t, { now: () => now })
  const admin = await seedFirstAdmin(app)
  const { token, id } = await createApiToken(
    app.db,
    { accountId: admin.accountId, userId: admin.userId, name: 'x', permission: 'browse', expiresAt: null },
    AUDIT,
  )
  const lastUsed = async () =>
    (await app.db.selectFrom('tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow())
      .last_used_at
  await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
  t.equal(await lastUsed(), null, 'not written during the request')
  await app.lastUsed.flush()
  t.same(await lastUsed(), now, 'written by the batch')
  const first = now
  now = new Date(now.getTime() + 30_000)
  await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
  await app.lastUsed.flush()
  t.same(await lastUsed(), first, 'not again within a minute')
  now = new Date(now.getTime() + 61_000)
  await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
  await app.lastUsed.flush()
  t.same(await lastUsed(), now, 'again after a minute')
})
