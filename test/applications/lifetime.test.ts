import t from 'tap'
import { apiClient, personalToken, seedApplication } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin } from '../helper.js'

// access_token_lifetime (CONTRACT 10) on the application form and /api/v1/applications:
// seconds from 60 to 31536000, empty or null for tokens that never expire.

const REFUSED_JSON: [string, unknown][] = [
  ['below the bounds', 59],
  ['above the bounds', 31536001],
  ['zero', 0],
  ['negative', -60],
  ['not whole', 90.5],
  ['not a number', 'soon'],
  ['a boolean', true],
  ['false', false],
]
const REFUSED_FORM = ['59', '31536001', '0', '-60', '90.5', 'soon', '1e4', '60 s']

t.test(`access_token_lifetime through /api/v1/applications (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const call = apiClient(app, await personalToken(app, admin, 'admin'))
  const created = await call('POST', '/api/v1/applications', {
    name: 'Expiring',
    permission: 'browse',
    access_token_lifetime: 3600,
  })
  t.equal(created.statusCode, 201, created.body)
  t.equal(created.json().access_token_lifetime, 3600)
  const id = created.json().id
  t.equal(
    (await call('GET', `/api/v1/applications/${id}`)).json().access_token_lifetime,
    3600,
    'shown in GET',
  )
  const listed = await call('GET', '/api/v1/applications')
  t.match(JSON.stringify(listed.json()), '"access_token_lifetime":3600', 'and in the list')
  for (const bound of [60, 31536000]) {
    const edge = await call('PATCH', `/api/v1/applications/${id}`, { access_token_lifetime: bound })
    t.equal(edge.statusCode, 200, `the bound ${bound} is accepted`)
    t.equal(edge.json().access_token_lifetime, bound)
  }
  const never = await call('PATCH', `/api/v1/applications/${id}`, { access_token_lifetime: null })
  t.equal(never.statusCode, 200)
  t.equal(never.json().access_token_lifetime, null, 'null: tokens never expire')
  const plain = await call('POST', '/api/v1/applications', { name: 'Plain', permission: 'browse' })
  t.equal(plain.json().access_token_lifetime, null, 'absent on create: never expire (the default)')
  await call('PATCH', `/api/v1/applications/${id}`, { access_token_lifetime: 7200 })
  const untouched = await call('PATCH', `/api/v1/applications/${id}`, { name: 'Renamed' })
  t.equal(untouched.json().access_token_lifetime, 7200, 'a PATCH without the field keeps it')

  for (const [what, value] of REFUSED_JSON) {
    const post = await call('POST', '/api/v1/applications', {
      name: `bad ${what}`,
      permission: 'browse',
      access_token_lifetime: value,
    })
    t.equal(post.statusCode, 400, `POST refused: ${what}`)
    t.match(post.json(), { error: 'Bad Request', message: /access_token_lifetime/ }, 'naming the field')
    const patch = await call('PATCH', `/api/v1/applications/${id}`, { access_token_lifetime: value })
    t.equal(patch.statusCode, 400, `PATCH refused: ${what}`)
    t.match(patch.json().message, /access_token_lifetime/)
  }
  t.equal(
    (await call('GET', `/api/v1/applications/${id}`)).json().access_token_lifetime,
    7200,
    'refused changes changed nothing',
  )
  const names = (await call('GET', '/api/v1/applications')).json()
  t.notMatch(JSON.stringify(names), '"bad ', 'refused creations created nothing')
})

t.test(`access_token_lifetime on the application form and details page (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const form = await browser.get('/developers/applications/new')
  t.match(form.body, 'name="access_token_lifetime"', 'the form has the field')

  const created = await browser.post('/developers/applications', {
    name: 'Form app',
    permission: 'browse',
    redirect_url: 'https://app.example.com/cb',
    access_token_lifetime: ' 900 ',
  })
  t.equal(created.statusCode, 200, 'created')
  const row = await app.db
    .selectFrom('applications')
    .select(['id', 'access_token_lifetime'])
    .where('name', '=', 'Form app')
    .executeTakeFirstOrThrow()
  t.equal(row.access_token_lifetime, 900, 'stored in seconds')
  const details = await browser.get(`/developers/applications/${row.id}`)
  t.match(details.body, /<dt>Access token lifetime<\/dt><dd>900 seconds<\/dd>/, 'shown on the details page')
  const edit = await browser.get(`/developers/applications/${row.id}/edit`)
  t.match(edit.body, /name="access_token_lifetime"[^>]*value="900"/, 'the edit form shows it')

  for (const value of REFUSED_FORM) {
    const refused = await browser.post(`/developers/applications/${row.id}`, {
      name: 'Form app',
      permission: 'browse',
      redirect_url: 'https://app.example.com/cb',
      access_token_lifetime: value,
    })
    t.equal(refused.statusCode, 400, `refused: "${value}"`)
    t.match(
      refused.body,
      /class="problem" role="alert">access_token_lifetime must be a whole number of seconds from 60 to 31536000/,
      "the form's problem names the field",
    )
    t.match(refused.body, `value="${value}"`, 'the form keeps what was typed')
  }
  const fresh = await browser.post('/developers/applications', {
    name: 'Too short',
    permission: 'browse',
    access_token_lifetime: '30',
  })
  t.equal(fresh.statusCode, 400, 'refused on create too')
  t.match(fresh.body, 'access_token_lifetime must be')

  const cleared = await browser.post(`/developers/applications/${row.id}`, {
    name: 'Form app',
    permission: 'browse',
    redirect_url: 'https://app.example.com/cb',
    access_token_lifetime: '',
  })
  t.equal(cleared.statusCode, 303, 'saved')
  const after = await browser.get(`/developers/applications/${row.id}`)
  t.match(after.body, 'none (tokens do not expire)', 'empty: tokens never expire')
  const { application } = await seedApplication(app, admin, { access_token_lifetime: 120 })
  t.match(
    (await browser.get(`/developers/applications/${application.id}`)).body,
    '<dd>120 seconds</dd>',
    'a lifetime set through the service shows the same',
  )
})
