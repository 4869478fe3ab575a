import t from 'tap'
import { clientSecretMatches } from '../../src/applications/client-secret.js'
import { findApplication } from '../../src/applications/repo.js'
import { sha256Hex } from '../../src/security/secrets.js'
import { apiClient, inputValue, personalToken, storedText } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin } from '../helper.js'

const SECRET_SHAPE = /^lkc_[A-Za-z0-9_-]{43}$/

t.test(`the client secret is shown once and only its hash is stored (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const call = apiClient(app, await personalToken(app, admin, 'admin'))

  const created = await browser.post('/developers/applications', {
    name: 'Page app',
    description: 'Made on the page',
    url: 'https://page.example.com',
    redirect_url: 'https://page.example.com/cb',
    permission: 'design',
  })
  t.equal(created.statusCode, 200)
  t.match(created.headers['cache-control'], 'no-store')
  t.match(created.body, 'it will not be shown again')
  const pageSecret = inputValue(created.body, 'client-secret')
  t.match(pageSecret, SECRET_SHAPE, 'the page shows the new secret')
  const pageId = Number(/\/developers\/applications\/(\d+)\/edit/.exec(created.body)?.[1])
  t.ok(pageId >= 100001, 'ids start at 100001')
  t.match(created.body, `http://localhost:3000/authorize?app=${pageId}`, 'with the authorization URL')
  t.match(created.body, 'data-copy="#authorize-url"', 'and a copy button for it')

  const apiCreated = await call('POST', '/api/v1/applications', { name: 'API app', permission: 'browse' })
  t.equal(apiCreated.statusCode, 201)
  t.match(apiCreated.headers['cache-control'], 'no-store')
  const body = apiCreated.json()
  t.match(body, {
    id: Number,
    client_id: String(body.id),
    authorize_url: `http://localhost:3000/authorize?app=${body.id}`,
    client_secret: SECRET_SHAPE,
    permission: 'browse',
  })
  const apiSecret: string = body.client_secret

  for (const secret of [pageSecret!, apiSecret]) {
    for (const url of ['/developers/applications', `/developers/applications/${pageId}`]) {
      t.notMatch((await browser.get(url)).body, secret, `${url} never shows a secret again`)
    }
    t.notMatch((await browser.get(`/developers/applications/${pageId}/edit`)).body, secret)
    for (const url of ['/api/v1/applications', `/api/v1/applications/${body.id}`]) {
      const text = (await call('GET', url)).body
      t.notMatch(text, secret, `${url} never shows it`)
      t.notMatch(text, /client_secret|secret_hash/, `${url} has no secret fields at all`)
    }
    const stored = await storedText(app, ['applications', 'tokens', 'authorizations', 'audit_events'])
    t.notOk(
      stored.some((value) => value.includes(secret)),
      'no text column of any table holds the secret',
    )
    t.ok(stored.includes(sha256Hex(secret)), 'its SHA-256 is stored')
  }
  const row = await findApplication(app.db, body.id)
  t.ok(row && clientSecretMatches(row, apiSecret), 'the stored hash matches the secret')
})

t.test('regenerating the secret shows a new one once; the old one stops matching', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const created = await browser.post('/developers/applications', { name: 'Rotating', permission: 'browse' })
  const first = inputValue(created.body, 'client-secret')!
  const id = Number(/\/developers\/applications\/(\d+)\/edit/.exec(created.body)?.[1])

  const regenerated = await browser.post(`/developers/applications/${id}/secret`, {})
  t.equal(regenerated.statusCode, 200)
  t.match(regenerated.body, 'the old one no longer works')
  t.match(regenerated.body, 'it will not be shown again')
  const second = inputValue(regenerated.body, 'client-secret')!
  t.match(second, SECRET_SHAPE)
  t.not(second, first)
  const row = await findApplication(app.db, id)
  t.ok(row && clientSecretMatches(row, second), 'the new secret works')
  t.notOk(row && clientSecretMatches(row, first), 'the old secret no longer does')
  t.notMatch((await browser.get(`/developers/applications/${id}`)).body, second, 'not shown again')

  const events = await app.db
    .selectFrom('audit_events')
    .select(['action', 'target_id', 'actor_user_id'])
    .where('target_type', '=', 'application')
    .orderBy('id')
    .execute()
  t.same(
    events.map((e) => e.action),
    ['application.created', 'application.secret_regenerated'],
    'both are in the audit log',
  )
  t.ok(events.every((e) => e.target_id === String(id) && e.actor_user_id === admin.userId))
})
