import t from 'tap'
import { apiClient, authorize, listenInvalidations, personalToken, seedApplication } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'

t.test(`deleting an application kills its tokens, on the page and the API (${DATABASE_KIND})`, async (t) => {
  const { app, database } = await build(t)
  const seen = await listenInvalidations(t, database)
  const admin = await seedFirstAdmin(app)
  const customer = await seedUser(app, 'publish', { newAccountName: 'Customer' })
  const browser = await loginAs(app, admin)
  const call = apiClient(app, await personalToken(app, admin, 'admin'))

  for (const via of ['page', 'api'] as const) {
    const { application } = await seedApplication(app, admin, {
      name: `Deleted via ${via}`,
      permission: 'design',
    })
    const grant = await authorize(app, application, customer)
    const me = () => app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${grant.token}` } })
    const before = await me()
    t.equal(before.statusCode, 200, `${via}: the lka_ token works`)
    t.match(before.json(), { permission: 'design', token: { kind: 'application', app_id: application.id } })

    const deleted =
      via === 'page'
        ? await browser.post(`/developers/applications/${application.id}/delete`, {})
        : await call('DELETE', `/api/v1/applications/${application.id}`)
    t.equal(deleted.statusCode, via === 'page' ? 303 : 204)
    if (via === 'page') t.equal(deleted.headers.location, '/developers/applications?notice=deleted')
    const after = await me()
    t.equal(after.statusCode, 401, `${via}: the token stopped working`)
    t.equal(after.json().error, 'Authentication Failed')
    t.ok(
      await seen.arrives({ type: 'application', id: application.id }),
      `${via}: the deletion was announced to every instance`,
    )
    const rows = await app.db
      .selectFrom('tokens')
      .select('id')
      .where('application_id', '=', application.id)
      .execute()
    t.same(rows, [], `${via}: no token row is left`)
    const audit = await app.db
      .selectFrom('audit_events')
      .select(['action', 'account_id'])
      .where('action', '=', 'application.deleted')
      .where('target_id', '=', String(application.id))
      .execute()
    t.same(audit, [{ action: 'application.deleted', account_id: admin.accountId }], `${via}: audited`)
  }
})

t.test('lowering the permission an application asks for narrows what it was granted', async (t) => {
  const { app, database } = await build(t)
  const seen = await listenInvalidations(t, database)
  const admin = await seedFirstAdmin(app)
  const { application } = await seedApplication(app, admin, { name: 'Shrinking', permission: 'publish' })
  const grant = await authorize(app, application, admin)
  const me = () => app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${grant.token}` } })
  t.equal((await me()).json().permission, 'publish')
  const call = apiClient(app, await personalToken(app, admin, 'admin'))
  const raised = await call('PATCH', `/api/v1/applications/${application.id}`, { permission: 'admin' })
  t.equal(raised.statusCode, 200)
  t.equal((await me()).json().permission, 'publish', 'asking for more later grants nothing more')
  const lowered = await call('PATCH', `/api/v1/applications/${application.id}`, { permission: 'browse' })
  t.equal(lowered.json().permission, 'browse')
  t.equal((await me()).json().permission, 'browse', 'the existing token narrowed at once')
  t.ok(await seen.arrives({ type: 'application', id: application.id }))
  const [authorization] = await app.db.selectFrom('authorizations').select('permission').execute()
  t.equal(authorization?.permission, 'browse', 'and so did the authorization')
})
