import t from 'tap'
import { hashToken } from '../../src/tokens/format.js'
import { apiClient, inputValue, listenInvalidations, personalToken, storedText } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin } from '../helper.js'

const TOKEN_SHAPE = /^lkp_[0-9A-Za-z]{49}$/

t.test(`a new API token is shown once, listed by hint, stored as a hash (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const call = apiClient(app, await personalToken(app, admin, 'admin'))

  const page = await browser.post('/developers/tokens', {
    name: 'deploy bot',
    permission: 'publish',
    expires_in_days: '30',
  })
  t.equal(page.statusCode, 200)
  t.match(page.headers['cache-control'], 'no-store')
  t.match(page.body, 'it will not be shown again')
  t.match(page.body, 'data-copy="#new-token"', 'with a copy button')
  const pageToken = inputValue(page.body, 'new-token')!
  t.match(pageToken, TOKEN_SHAPE)

  const api = await call('POST', '/api/v1/tokens', { name: 'ci', permission: 'design', expires_in_days: 7 })
  t.equal(api.statusCode, 201)
  t.match(api.headers['cache-control'], 'no-store')
  const body = api.json()
  t.match(body, {
    id: Number,
    name: 'ci',
    permission: 'design',
    token: TOKEN_SHAPE,
    created_by: { id: admin.userId, email: admin.email },
  })
  const apiToken: string = body.token
  t.equal(body.hint, `lkp_…${apiToken.slice(-4)}`, 'the hint is the prefix and the last four characters')

  for (const [token, name] of [
    [pageToken, 'deploy bot'],
    [apiToken, 'ci'],
  ] as const) {
    const me = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
    t.equal(me.statusCode, 200, `${name} works against /api/v1/me`)
    t.equal(me.json().token.name, name)

    const tab = await browser.get('/developers/tokens')
    t.notMatch(tab.body, token, `${name}: the tab never shows it again`)
    t.match(tab.body, `lkp_…${token.slice(-4)}`, `${name}: only its hint`)
    const list = await call('GET', '/api/v1/tokens')
    t.notMatch(list.body, token, `${name}: the API list never shows it`)
    t.notMatch(list.body, /"token"|token_hash/, 'the list has no token fields')
    const listed = list.json().tokens.find((x: { name: string }) => x.name === name)
    t.match(listed, {
      hint: `lkp_…${token.slice(-4)}`,
      created_by: { id: admin.userId, email: admin.email, name: 'Ada Admin' },
      created_at: String,
      last_used_at: null,
      expires_at: String,
    })

    const stored = await storedText(app, ['tokens', 'applications', 'audit_events'])
    t.notOk(
      stored.some((value) => value.includes(token)),
      `${name}: no text column holds the token`,
    )
    t.ok(stored.includes(hashToken(token)), `${name}: its SHA-256 is stored`)
  }
  const tab = await browser.get('/developers/tokens')
  for (const column of ['Name', 'Token', 'Permission', 'Created by', 'Created', 'Last used', 'Expires'])
    t.match(tab.body, `<th scope="col">${column}</th>`, `the list shows ${column}`)
  t.match(tab.body, 'Ada Admin', 'the creator')
})

t.test('revoking a token from the tab or the API stops it at once', async (t) => {
  const { app, database } = await build(t)
  const seen = await listenInvalidations(t, database)
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const call = apiClient(app, await personalToken(app, admin, 'admin'))
  for (const via of ['page', 'api'] as const) {
    const created = await call('POST', '/api/v1/tokens', { name: `revoked via ${via}`, permission: 'browse' })
    const { id, token } = created.json()
    const me = () => app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
    t.equal((await me()).statusCode, 200)
    const tab = await browser.get('/developers/tokens')
    t.match(
      tab.body,
      `action="/developers/tokens/${id}/revoke" data-confirm=`,
      'revoke asks for confirmation',
    )
    const revoked =
      via === 'page'
        ? await browser.post(`/developers/tokens/${id}/revoke`, {})
        : await call('DELETE', `/api/v1/tokens/${id}`)
    t.equal(revoked.statusCode, via === 'page' ? 303 : 204, `${via}: revoked`)
    t.equal((await me()).statusCode, 401, `${via}: the token no longer works`)
    t.ok(await seen.arrives({ type: 'token', id }), `${via}: announced`)
    t.notMatch((await browser.get('/developers/tokens')).body, `revoked via ${via}`, 'gone from the list')
    t.equal((await call('DELETE', `/api/v1/tokens/${id}`)).statusCode, 404, 'revoking twice: 404')
  }
  const actions = await app.db
    .selectFrom('audit_events')
    .select('action')
    .where('action', 'like', 'api_token.%')
    .execute()
  t.same(
    actions.map((a) => a.action).sort(),
    ['api_token.created', 'api_token.created', 'api_token.created', 'api_token.revoked', 'api_token.revoked'],
    'created and revoked tokens are audited',
  )
})
