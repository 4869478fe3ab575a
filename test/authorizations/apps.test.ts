import t from 'tap'
import {
  apiClient,
  authorize,
  listenInvalidations,
  personalToken,
  ROLES,
  seedApplication,
  XSS,
  XSS_ESCAPED,
} from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'

const NOW = new Date('2026-06-01T12:00:00Z')

t.test(
  `the Apps page and /api/v1/authorized-apps list what was authorized here (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t, { now: () => NOW })
    const admin = await seedFirstAdmin(app)
    const publisher = await seedUser(app, 'publish', { accountId: admin.accountId })
    const vendor = await seedUser(app, 'admin', { newAccountName: 'Vendor' })
    const stranger = await seedUser(app, 'admin', { newAccountName: 'Elsewhere' })
    const { application: marked } = await seedApplication(app, vendor, { name: XSS, permission: 'design' })
    const { application: other } = await seedApplication(app, vendor, {
      name: 'Reporter',
      permission: 'browse',
    })
    const { application: notHere } = await seedApplication(app, vendor, { name: 'Only elsewhere' })

    const first = await authorize(app, marked, admin)
    await authorize(app, marked, { accountId: admin.accountId, userId: publisher.userId })
    const third = await authorize(app, marked, { accountId: admin.accountId, userId: publisher.userId })
    await authorize(app, other, admin)
    await authorize(app, notHere, stranger)
    // One token revoked and one used, to check the counts and "last used".
    await app.db.updateTable('tokens').set({ revoked_at: NOW }).where('id', '=', first.tokenId).execute()
    await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${third.token}` } })
    await app.lastUsed.flush()

    const browser = await loginAs(app, admin)
    const page = await browser.get('/settings/accounts/apps')
    t.equal(page.statusCode, 200)
    t.match(page.body, 'aria-label="Account settings"', 'inside the settings tabs')
    t.notMatch(page.body, XSS, 'the application name is never raw')
    t.match(page.body, XSS_ESCAPED)
    t.match(page.body, 'Reporter')
    t.notMatch(page.body, 'Only elsewhere', 'authorizations on other accounts are not listed')
    t.match(page.body, publisher.email, 'who authorized it last')
    t.match(
      page.body,
      `action="/settings/accounts/apps/${marked.id}/revoke" data-confirm=`,
      'revoke asks first',
    )

    const call = apiClient(app, await personalToken(app, admin, 'admin'))
    const list = await call('GET', '/api/v1/authorized-apps')
    t.equal(list.statusCode, 200)
    const rows = list.json().authorized_apps
    t.equal(rows.length, 2)
    t.match(
      rows.find((r: { app_id: number }) => r.app_id === marked.id),
      {
        app_name: XSS,
        permission: 'design',
        authorized_by: { id: publisher.userId, email: publisher.email },
        authorized_at: String,
        live_tokens: 2,
        last_used_at: NOW.toISOString(),
      },
    )
    t.match(
      rows.find((r: { app_id: number }) => r.app_id === other.id),
      {
        permission: 'browse',
        authorized_by: { id: admin.userId },
        live_tokens: 1,
        last_used_at: null,
      },
    )
  },
)

t.test('revoking on the Apps page or the API kills the authorization’s tokens', async (t) => {
  const { app, database } = await build(t)
  const seen = await listenInvalidations(t, database)
  const admin = await seedFirstAdmin(app)
  const vendor = await seedUser(app, 'admin', { newAccountName: 'Vendor' })
  const stranger = await seedUser(app, 'admin', { newAccountName: 'Elsewhere' })
  const browser = await loginAs(app, admin)
  const call = apiClient(app, await personalToken(app, admin, 'admin'))
  const me = (token: string) =>
    app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })

  for (const via of ['page', 'api'] as const) {
    const { application } = await seedApplication(app, vendor, { name: `Revoked via ${via}` })
    const here = await authorize(app, application, admin)
    const again = await authorize(app, application, admin)
    const there = await authorize(app, application, stranger)
    for (const grant of [here, again, there]) t.equal((await me(grant.token)).statusCode, 200)

    const revoked =
      via === 'page'
        ? await browser.post(`/settings/accounts/apps/${application.id}/revoke`, {})
        : await call('DELETE', `/api/v1/authorized-apps/${application.id}`)
    t.equal(revoked.statusCode, via === 'page' ? 303 : 204, `${via}: revoked`)
    if (via === 'page') t.equal(revoked.headers.location, '/settings/accounts/apps?notice=revoked')
    t.equal((await me(here.token)).statusCode, 401, `${via}: the first token died`)
    t.equal((await me(again.token)).statusCode, 401, `${via}: and the second`)
    t.equal((await me(there.token)).statusCode, 200, `${via}: the same app on another account is untouched`)
    t.ok(await seen.arrives({ type: 'authorization', id: here.authorizationId }), `${via}: announced`)
    t.notMatch(
      (await browser.get('/settings/accounts/apps')).body,
      `Revoked via ${via}`,
      'gone from the page',
    )
    t.equal((await call('DELETE', `/api/v1/authorized-apps/${application.id}`)).statusCode, 404, 'twice: 404')
  }
  const audit = await app.db
    .selectFrom('audit_events')
    .select('action')
    .where('action', '=', 'authorization.revoked')
    .execute()
  t.equal(audit.length, 2, 'both revocations are audited')
})

t.test('only admins, only this account, only with a CSRF token', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const vendor = await seedUser(app, 'admin', { newAccountName: 'Vendor' })
  const stranger = await seedUser(app, 'admin', { newAccountName: 'Elsewhere' })
  const { application } = await seedApplication(app, vendor, { name: 'Guarded' })
  const { application: foreign } = await seedApplication(app, vendor, { name: 'Foreign' })
  const grant = await authorize(app, application, admin)
  const foreignGrant = await authorize(app, foreign, stranger)

  for (const role of ROLES.filter((r) => r !== 'admin')) {
    const member = await seedUser(app, role, { accountId: admin.accountId })
    const browser = await loginAs(app, member)
    const page = await browser.get('/settings/accounts/apps')
    t.equal(page.statusCode, 403, `${role}: the Apps page`)
    t.match(page.body, 'Only Admin users')
    t.equal((await browser.post(`/settings/accounts/apps/${application.id}/revoke`, {})).statusCode, 403)
    const call = apiClient(app, await personalToken(app, member, role))
    t.match((await call('GET', '/api/v1/authorized-apps')).json(), {
      statusCode: 403,
      required: 'admin',
      permission: role,
    })
    t.equal(
      (await call('DELETE', `/api/v1/authorized-apps/${application.id}`)).statusCode,
      403,
      `${role}: API`,
    )
  }

  const browser = await loginAs(app, admin)
  const call = apiClient(app, await personalToken(app, admin, 'admin'))
  for (const id of [foreign.id, foreign.id + 1000]) {
    t.equal((await browser.post(`/settings/accounts/apps/${id}/revoke`, {})).statusCode, 404, `page: ${id}`)
    t.equal((await call('DELETE', `/api/v1/authorized-apps/${id}`)).statusCode, 404, `API: ${id}`)
  }
  const badId = await call('DELETE', '/api/v1/authorized-apps/nope')
  t.equal(badId.statusCode, 400)
  t.match(badId.json().message, /params\/app_id/)

  const url = `/settings/accounts/apps/${application.id}/revoke`
  const missing = await app.inject({
    method: 'POST',
    url,
    headers: {
      cookie: `lk_session=${browser.cookies.get('lk_session')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: '',
  })
  t.equal(missing.statusCode, 403, 'no CSRF token')
  t.equal((await browser.post(url, { _csrf: 'forged' })).statusCode, 403, 'a forged CSRF token')

  const me = (token: string) =>
    app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
  t.equal((await me(grant.token)).statusCode, 200, 'nothing refused above revoked anything')
  t.equal((await me(foreignGrant.token)).statusCode, 200, 'the other account’s authorization lives on')
})
