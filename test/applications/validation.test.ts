import t from 'tap'
import { apiClient, personalToken, seedApplication } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'

const ACCEPTED_REDIRECTS = [
  'https://app.example.com/callback',
  'https://app.example.com:8443/cb?keep=1',
  'http://localhost/cb',
  'http://localhost:8080/cb',
  'http://127.0.0.1:9000/cb',
  'http://[::1]:3000/cb',
  '',
]
const REFUSED_REDIRECTS: [string, RegExp][] = [
  ['http://app.example.com/callback', /must use https/],
  ['http://localhost.example.com/cb', /must use https/],
  ['https://app.example.com/cb#fragment', /fragment/],
  ['https://app.example.com/cb#', /fragment/],
  ['javascript:alert(1)', /must use https/],
  ['/relative/callback', /absolute URL/],
  ['app.example.com/cb', /absolute URL/],
  ['https://user:pass@app.example.com/cb', /credentials/],
  ['https://user@app.example.com/cb', /credentials/],
  ['ftp://app.example.com/cb', /must use https/],
  ['data:text/html,hello', /must use https/],
]

t.test(`every redirect URL rule, on the API and the pages (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const call = apiClient(app, await personalToken(app, admin, 'admin'))
  let n = 0
  for (const redirect_url of ACCEPTED_REDIRECTS) {
    const created = await call('POST', '/api/v1/applications', {
      name: `ok ${n++}`,
      permission: 'browse',
      redirect_url,
    })
    t.equal(created.statusCode, 201, `accepted: ${redirect_url || '(none)'}`)
    t.equal(created.json().redirect_url, redirect_url)
  }
  const { application } = await seedApplication(app, admin, { redirect_url: 'https://keep.example.com/cb' })
  for (const [redirect_url, reason] of REFUSED_REDIRECTS) {
    const created = await call('POST', '/api/v1/applications', {
      name: `bad ${n++}`,
      permission: 'browse',
      redirect_url,
    })
    t.equal(created.statusCode, 400, `refused: ${redirect_url}`)
    t.match(created.json(), { error: 'Bad Request', message: /^redirect_url / })
    t.match(created.json().message, reason)
    const patched = await call('PATCH', `/api/v1/applications/${application.id}`, { redirect_url })
    t.equal(patched.statusCode, 400, `refused on change: ${redirect_url}`)
  }
  const kept = await call('GET', `/api/v1/applications/${application.id}`)
  t.equal(kept.json().redirect_url, 'https://keep.example.com/cb', 'refused changes changed nothing')

  const browser = await loginAs(app, admin)
  const page = await browser.post('/developers/applications', {
    name: 'Page app',
    redirect_url: 'http://evil.example.com/cb',
    permission: 'browse',
  })
  t.equal(page.statusCode, 400)
  t.match(page.body, /class="problem" role="alert">redirect_url must use https/)
  t.match(page.body, 'value="Page app"', 'the form keeps what was typed')
  const edit = await browser.post(`/developers/applications/${application.id}`, {
    name: application.name,
    redirect_url: 'https://x.example.com/#frag',
    permission: 'browse',
  })
  t.equal(edit.statusCode, 400)
  t.match(edit.body, 'must not contain a fragment')
  const ok = await browser.post('/developers/applications', {
    name: 'Loopback app',
    redirect_url: 'http://127.0.0.1:5000/cb',
    permission: 'browse',
  })
  t.equal(ok.statusCode, 200)
})

t.test(
  'application names are unique per account, ignoring case: 409 and a readable form error',
  async (t) => {
    const { app } = await build(t)
    const admin = await seedFirstAdmin(app)
    const stranger = await seedUser(app, 'admin', { newAccountName: 'Elsewhere' })
    const call = apiClient(app, await personalToken(app, admin, 'admin'))
    t.equal(
      (await call('POST', '/api/v1/applications', { name: 'Reporter', permission: 'browse' })).statusCode,
      201,
    )
    for (const name of ['Reporter', 'REPORTER', 'reporter', '  rePorter  ']) {
      const duplicate = await call('POST', '/api/v1/applications', { name, permission: 'design' })
      t.equal(duplicate.statusCode, 409, `"${name}" is a duplicate`)
      t.match(duplicate.json(), { statusCode: 409, error: 'Conflict', message: /already exists/ })
    }
    const other = await call('POST', '/api/v1/applications', { name: 'Other', permission: 'browse' })
    const renamed = await call('PATCH', `/api/v1/applications/${other.json().id}`, { name: 'REPORTER' })
    t.equal(renamed.statusCode, 409, 'renaming onto an existing name is a conflict too')
    const sameName = await call('PATCH', `/api/v1/applications/${other.json().id}`, { name: 'OTHER' })
    t.equal(sameName.statusCode, 200, 'changing only the case of one’s own name is fine')
    await seedApplication(app, stranger, { name: 'Shared name' })
    const elsewhere = await call('POST', '/api/v1/applications', {
      name: 'shared NAME',
      permission: 'browse',
    })
    t.equal(elsewhere.statusCode, 201, 'another account may use the same name')

    const browser = await loginAs(app, admin)
    const page = await browser.post('/developers/applications', { name: 'reporter', permission: 'browse' })
    t.equal(page.statusCode, 409)
    t.match(
      page.body,
      /class="problem" role="alert">An application named &quot;reporter&quot; already exists/,
    )
    t.match(page.body, '<form method="post" action="/developers/applications">', 'the form is shown again')
  },
)

t.test('bad input is a 400 that names the field, never a 500', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const token = await personalToken(app, admin, 'admin')
  const call = apiClient(app, token)
  const { application } = await seedApplication(app, admin)
  const one = `/api/v1/applications/${application.id}`
  const cases: [string, 'POST' | 'PATCH' | 'GET' | 'DELETE', string, unknown, RegExp][] = [
    ['no name', 'POST', '/api/v1/applications', { permission: 'browse' }, /name/],
    ['empty name', 'POST', '/api/v1/applications', { name: '', permission: 'browse' }, /name/],
    ['blank name', 'POST', '/api/v1/applications', { name: '   ', permission: 'browse' }, /^name /],
    ['long name', 'POST', '/api/v1/applications', { name: 'x'.repeat(101), permission: 'browse' }, /name/],
    ['no permission', 'POST', '/api/v1/applications', { name: 'a' }, /permission/],
    ['unknown permission', 'POST', '/api/v1/applications', { name: 'a', permission: 'owner' }, /permission/],
    ['bad url', 'POST', '/api/v1/applications', { name: 'a', permission: 'browse', url: 'nope' }, /^url /],
    [
      'javascript url',
      'POST',
      '/api/v1/applications',
      { name: 'a', permission: 'browse', url: 'javascript:x' },
      /^url /,
    ],
    [
      'long description',
      'POST',
      '/api/v1/applications',
      { name: 'a', permission: 'browse', description: 'd'.repeat(1001) },
      /description/,
    ],
    ['array body', 'POST', '/api/v1/applications', [1, 2], /body/],
    ['empty change', 'PATCH', one, {}, /body/],
    ['null name', 'PATCH', one, { name: null }, /name/],
    ['bad permission change', 'PATCH', one, { permission: 'root' }, /permission/],
    ['non-numeric id', 'GET', '/api/v1/applications/abc', undefined, /params\/id/],
    ['huge id', 'GET', '/api/v1/applications/99999999999999', undefined, /params\/id/],
    ['zero id', 'DELETE', '/api/v1/applications/0', undefined, /params\/id/],
    ['negative id', 'PATCH', '/api/v1/applications/-5', { name: 'x' }, /params\/id/],
  ]
  for (const [label, method, url, payload, field] of cases) {
    const response = await call(method, url, payload)
    t.equal(response.statusCode, 400, label)
    t.match(response.json(), { statusCode: 400, error: 'Bad Request', message: field }, label)
  }
  const text = await app.inject({
    method: 'POST',
    url: '/api/v1/applications',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    payload: '{"name": ',
  })
  t.equal(text.statusCode, 400, 'malformed JSON')
  const browser = await loginAs(app, admin)
  const page = await browser.get('/developers/applications/not-a-number')
  t.equal(page.statusCode, 400, 'pages refuse a bad id with a page, not a crash')
  t.match(page.headers['content-type'], /text\/html/)
  const blank = await browser.post('/developers/applications', { name: '  ', permission: 'browse' })
  t.equal(blank.statusCode, 400)
  t.match(blank.body, 'name must be 1 to 100 characters')
  const noRole = await browser.post('/developers/applications', { name: 'x', permission: 'superuser' })
  t.equal(noRole.statusCode, 400)
  t.match(noRole.body, 'permission must be one of browse, design, publish, admin')
})
