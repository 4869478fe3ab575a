import t from 'tap'
import { roleAtLeast } from '../../src/accounts/roles.js'
import { findApplication } from '../../src/applications/repo.js'
import { apiClient, personalToken, ROLES, seedApplication } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'

// CONTRACT section 1: browse reads; design also creates; publish also changes and deletes; admin all.

t.test(`applications pages: what each role may do (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  for (const role of ROLES) {
    const member = role === 'admin' ? admin : await seedUser(app, role, { accountId: admin.accountId })
    const browser = await loginAs(app, member)
    const { application } = await seedApplication(app, admin, { name: `Target of ${role}` })
    const id = application.id
    const canCreate = roleAtLeast(role, 'design')
    const canChange = roleAtLeast(role, 'publish')

    const list = await browser.get('/developers/applications')
    t.equal(list.statusCode, 200, `${role} lists`)
    t.match(list.body, `Target of ${role}`)
    t.equal(list.body.includes('Add Another Application'), canCreate, `${role}: the add button`)
    const details = await browser.get(`/developers/applications/${id}`)
    t.equal(details.statusCode, 200, `${role} reads the details`)
    t.equal(details.body.includes('Regenerate client secret'), canChange, `${role}: manage buttons`)

    t.equal(
      (await browser.get('/developers/applications/new')).statusCode,
      canCreate ? 200 : 403,
      `${role} new`,
    )
    const created = await browser.post('/developers/applications', {
      name: `By ${role}`,
      permission: 'browse',
    })
    t.equal(created.statusCode, canCreate ? 200 : 403, `${role} creates`)
    if (!canCreate) t.match(created.body, 'needs the design role')

    t.equal((await browser.get(`/developers/applications/${id}/edit`)).statusCode, canChange ? 200 : 403)
    const updated = await browser.post(`/developers/applications/${id}`, {
      name: `Renamed by ${role}`,
      permission: 'browse',
    })
    t.equal(updated.statusCode, canChange ? 303 : 403, `${role} changes`)
    const secret = await browser.post(`/developers/applications/${id}/secret`, {})
    t.equal(secret.statusCode, canChange ? 200 : 403, `${role} regenerates the secret`)
    const removed = await browser.post(`/developers/applications/${id}/delete`, {})
    t.equal(removed.statusCode, canChange ? 303 : 403, `${role} deletes`)
    const after = await findApplication(app.db, id)
    t.equal(
      after === undefined,
      canChange,
      `${role}: the application is ${canChange ? 'gone' : 'still there'}`,
    )
    if (after) t.equal(after.client_secret_hash, application.client_secret_hash, 'the secret is unchanged')
  }
})

t.test(`applications API: what each token permission may do (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  for (const role of ROLES) {
    const member = role === 'admin' ? admin : await seedUser(app, role, { accountId: admin.accountId })
    const call = apiClient(app, await personalToken(app, member, role))
    const { application } = await seedApplication(app, admin, { name: `Target of ${role}` })
    const url = `/api/v1/applications/${application.id}`
    const canCreate = roleAtLeast(role, 'design')
    const canChange = roleAtLeast(role, 'publish')

    const list = await call('GET', '/api/v1/applications')
    t.equal(list.statusCode, 200, `${role} lists`)
    t.ok(list.json().applications.some((a: { id: number }) => a.id === application.id))
    t.equal((await call('GET', url)).statusCode, 200, `${role} reads one`)

    const created = await call('POST', '/api/v1/applications', { name: `By ${role}`, permission: 'browse' })
    t.equal(created.statusCode, canCreate ? 201 : 403, `${role} creates`)
    if (!canCreate)
      t.match(created.json(), { error: 'Insufficient Permission', required: 'design', permission: role })

    const patched = await call('PATCH', url, { description: `changed by ${role}` })
    t.equal(patched.statusCode, canChange ? 200 : 403, `${role} changes`)
    if (canChange) t.equal(patched.json().description, `changed by ${role}`)
    else t.match(patched.json(), { required: 'publish', permission: role })

    const deleted = await call('DELETE', url)
    t.equal(deleted.statusCode, canChange ? 204 : 403, `${role} deletes`)
    t.equal((await findApplication(app.db, application.id)) === undefined, canChange)
  }
})

t.test('a token acts with the lower of its own permission and its user’s role', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const readOnly = apiClient(app, await personalToken(app, admin, 'browse'))
  const refused = await readOnly('POST', '/api/v1/applications', { name: 'Nope', permission: 'browse' })
  t.equal(refused.statusCode, 403, 'an admin’s browse token cannot create')
  t.match(refused.json(), { required: 'design', permission: 'browse' })
  const anonymous = await app.inject({ method: 'GET', url: '/api/v1/applications' })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.json().error, 'Authentication Failed')
  const signedOut = await app.inject({
    method: 'GET',
    url: '/developers/applications',
    headers: { accept: 'text/html' },
  })
  t.equal(signedOut.statusCode, 303, 'pages send anonymous visitors to sign in')
  t.match(signedOut.headers.location, /^\/login\?next=/)
})
