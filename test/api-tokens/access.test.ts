import t from 'tap'
import { createApiToken } from '../../src/api-tokens/service.js'
import { upsertMembership } from '../../src/users/repo.js'
import { AUDIT, apiClient, personalToken, ROLES } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'

const ADMIN_ONLY = 'Only Admin users can access API Tokens.'

t.test(`the Tokens tab and /api/v1/tokens are for admins only (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const existing = await createApiToken(
    app.db,
    {
      accountId: admin.accountId,
      userId: admin.userId,
      name: 'existing',
      permission: 'browse',
      expiresAt: null,
    },
    AUDIT,
  )
  for (const role of ROLES) {
    const member = role === 'admin' ? admin : await seedUser(app, role, { accountId: admin.accountId })
    const browser = await loginAs(app, member)
    const call = apiClient(app, await personalToken(app, member, role))
    const allowed = role === 'admin'

    const tab = await browser.get('/developers/tokens')
    t.equal(tab.statusCode, allowed ? 200 : 403, `${role}: the Tokens tab`)
    if (!allowed) t.match(tab.body, `<p role="alert">${ADMIN_ONLY}</p>`, `${role}: the exact message`)
    const minted = await browser.post('/developers/tokens', { name: `by ${role}`, permission: 'browse' })
    t.equal(minted.statusCode, allowed ? 200 : 403, `${role}: creating on the page`)
    if (!allowed) t.match(minted.body, ADMIN_ONLY)
    const revokedOnPage = await browser.post(`/developers/tokens/${existing.id}/revoke`, {})
    t.equal(revokedOnPage.statusCode, allowed ? 303 : 403, `${role}: revoking on the page`)

    const list = await call('GET', '/api/v1/tokens')
    t.equal(list.statusCode, allowed ? 200 : 403, `${role}: GET /api/v1/tokens`)
    if (!allowed)
      t.match(list.json(), { error: 'Insufficient Permission', required: 'admin', permission: role })
    const created = await call('POST', '/api/v1/tokens', { name: `api ${role}`, permission: 'browse' })
    t.equal(created.statusCode, allowed ? 201 : 403, `${role}: POST /api/v1/tokens`)
    const target = allowed ? created.json().id : existing.id
    t.equal(
      (await call('DELETE', `/api/v1/tokens/${target}`)).statusCode,
      allowed ? 204 : 403,
      `${role}: DELETE`,
    )
  }
  const rows = await app.db
    .selectFrom('tokens')
    .select(['name', 'revoked_at'])
    .where('name', 'like', '%by %')
    .execute()
  t.same(
    rows.map((r) => r.name),
    ['by admin'],
    'only the admin minted a token on the page',
  )
})

t.test('a token can never carry more permission than whoever mints it', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const publisher = await seedUser(app, 'publish', { accountId: admin.accountId })
  await t.rejects(
    createApiToken(
      app.db,
      {
        accountId: admin.accountId,
        userId: publisher.userId,
        name: 'x',
        permission: 'admin',
        expiresAt: null,
      },
      AUDIT,
    ),
    { statusCode: 403, message: /more permission than its creator \(publish\)/ },
    'above the creator’s role',
  )
  await t.rejects(
    createApiToken(
      app.db,
      {
        accountId: admin.accountId,
        userId: admin.userId,
        name: 'x',
        permission: 'admin',
        expiresAt: null,
        maxPermission: 'design',
      },
      AUDIT,
    ),
    { statusCode: 403, message: /more permission than the one creating it \(design\)/ },
    'above what the caller (session or token) may do',
  )

  // An admin's token and session stop being able to mint as soon as the admin is demoted.
  const demoted = await seedUser(app, 'admin', { accountId: admin.accountId })
  const browser = await loginAs(app, demoted)
  const call = apiClient(app, await personalToken(app, demoted, 'admin'))
  t.equal((await browser.get('/developers/tokens')).statusCode, 200, 'the form loads while admin')
  await upsertMembership(app.db, { accountId: admin.accountId, userId: demoted.userId, role: 'publish' })
  const page = await browser.post('/developers/tokens', { name: 'too much', permission: 'admin' })
  t.equal(page.statusCode, 403, 'the page refuses a publisher asking for an admin token')
  const api = await call('POST', '/api/v1/tokens', { name: 'too much', permission: 'admin' })
  t.equal(api.statusCode, 403, 'so does the API: the token now acts as publish')
  t.match(api.json(), { required: 'admin', permission: 'publish' })
  const bogus = await apiClient(app, await personalToken(app, admin, 'admin'))('POST', '/api/v1/tokens', {
    name: 'x',
    permission: 'superadmin',
  })
  t.equal(bogus.statusCode, 400, 'a permission that does not exist is a 400')
  t.match(bogus.json().message, /permission/)
  const minted = await app.db.selectFrom('tokens').select('name').where('name', '=', 'too much').execute()
  t.same(minted, [], 'nothing was minted')
})

t.test('another account’s token is 404 on the page and the API', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const stranger = await seedUser(app, 'admin', { newAccountName: 'Elsewhere' })
  const theirs = await createApiToken(
    app.db,
    {
      accountId: stranger.accountId,
      userId: stranger.userId,
      name: 'theirs',
      permission: 'admin',
      expiresAt: null,
    },
    AUDIT,
  )
  const browser = await loginAs(app, admin)
  const call = apiClient(app, await personalToken(app, admin, 'admin'))
  t.notMatch((await browser.get('/developers/tokens')).body, 'theirs', 'not listed on the page')
  t.notOk(
    (await call('GET', '/api/v1/tokens')).json().tokens.some((x: { name: string }) => x.name === 'theirs'),
    'not listed by the API',
  )
  for (const id of [theirs.id, theirs.id + 1000]) {
    t.equal((await browser.post(`/developers/tokens/${id}/revoke`, {})).statusCode, 404, `page revoke ${id}`)
    const api = await call('DELETE', `/api/v1/tokens/${id}`)
    t.equal(api.statusCode, 404, `API revoke ${id}`)
    t.equal(api.json().error, 'Not Found')
  }
  const stillThere = await app.inject({
    url: '/api/v1/me',
    headers: { authorization: `Bearer ${theirs.token}` },
  })
  t.equal(stillThere.statusCode, 200, 'their token still works')
})
