import t from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { findApplication } from '../../src/applications/repo.js'
import { apiClient, personalToken, seedApplication } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'

// CONTRACT section 6: resources of another account are 404, never 403, so ids do not leak.

t.test(`another account’s application is 404 on every id route (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const stranger = await seedUser(app, 'admin', { newAccountName: 'Elsewhere' })
  const { application: theirs } = await seedApplication(app, stranger, { name: 'Theirs' })
  const missing = theirs.id + 1000

  const browser = await loginAs(app, admin)
  const list = await browser.get('/developers/applications')
  t.notMatch(list.body, 'Theirs', 'the list shows only the current account’s applications')
  for (const id of [theirs.id, missing]) {
    for (const url of [`/developers/applications/${id}`, `/developers/applications/${id}/edit`]) {
      const response = await browser.get(url)
      t.equal(response.statusCode, 404, `GET ${url}`)
      t.notMatch(response.body, 'Theirs')
    }
    for (const url of [
      `/developers/applications/${id}`,
      `/developers/applications/${id}/delete`,
      `/developers/applications/${id}/secret`,
    ]) {
      const response = await browser.post(url, { name: 'Hijacked', permission: 'admin' })
      t.equal(response.statusCode, 404, `POST ${url}`)
    }
  }

  const call = apiClient(app, await personalToken(app, admin, 'admin'))
  t.same((await call('GET', '/api/v1/applications')).json(), { applications: [] })
  for (const id of [theirs.id, missing]) {
    const url = `/api/v1/applications/${id}`
    const read = await call('GET', url)
    t.equal(read.statusCode, 404, `GET ${url}`)
    t.same(read.json(), { statusCode: 404, error: 'Not Found', message: 'No such application.' })
    t.equal((await call('PATCH', url, { name: 'Hijacked' })).statusCode, 404, `PATCH ${url}`)
    t.equal((await call('DELETE', url)).statusCode, 404, `DELETE ${url}`)
  }

  const after = await findApplication(app.db, theirs.id)
  t.equal(after?.name, 'Theirs', 'the other account’s application is untouched')
  t.equal(after?.client_secret_hash, theirs.client_secret_hash)
})

t.test('a parent account’s admin sees a sub-account’s applications only after switching to it', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const child = await createAccount(app.db, { name: 'Child', parentId: admin.accountId })
  const { application } = await seedApplication(app, { ...admin, accountId: child.id }, { name: 'Child app' })
  const browser = await loginAs(app, admin)
  t.equal((await browser.get(`/developers/applications/${application.id}`)).statusCode, 404)
  const switched = await browser.post('/accounts/switch', { account_id: child.id })
  t.equal(switched.statusCode, 303)
  const details = await browser.get(`/developers/applications/${application.id}`)
  t.equal(details.statusCode, 200, 'the role on the parent holds on the child')
  t.match(details.body, 'Child app')
})
