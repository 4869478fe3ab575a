import t from 'tap'
import { MAX_REDIRECT_URLS } from '../../src/applications/urls.js'
import { decide, locationParams, openConsent } from '../consent/flow-helpers.js'
import { apiClient, personalToken } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedUser } from '../helper.js'

// CONTRACT 10: several redirect URLs; `redirect_url` stays and means the first.

const A = 'https://app.example.com/cb'
const B = 'http://127.0.0.1:8400/done'
const C = 'https://other.example.com/return?x=1'

t.test(`redirect_urls through the API (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedUser(app, 'admin', { newAccountName: 'Studio' })
  const call = apiClient(app, await personalToken(app, admin, 'admin'))

  const created = await call('POST', '/api/v1/applications', {
    name: 'Multi',
    permission: 'browse',
    redirect_urls: [A, B, ` ${A} `],
  })
  t.equal(created.statusCode, 201)
  t.same(created.json().redirect_urls, [A, B], 'stored in order, a repeat kept once')
  t.equal(created.json().redirect_url, A, 'redirect_url is the first')
  const id = created.json().id

  const bad = await call('POST', '/api/v1/applications', {
    name: 'Bad',
    permission: 'browse',
    redirect_urls: [A, 'ftp://files.example.com/x'],
  })
  t.equal(bad.statusCode, 400, 'a bad URL in the list: 400')
  t.match(
    bad.json().message,
    /redirect_urls entry "ftp:\/\/files\.example\.com\/x" must use https/,
    'naming it',
  )
  const fragment = await call('PATCH', `/api/v1/applications/${id}`, { redirect_urls: [`${C}#frag`] })
  t.equal(fragment.statusCode, 400)
  t.match(fragment.json().message, /redirect_urls entry ".*#frag" must not contain a fragment/)

  const disagree = await call('PATCH', `/api/v1/applications/${id}`, { redirect_url: C, redirect_urls: [A] })
  t.equal(disagree.statusCode, 400, 'both, disagreeing: 400')
  t.match(disagree.json().message, /^redirect_url must be the first of redirect_urls/)
  const agree = await call('PATCH', `/api/v1/applications/${id}`, { redirect_url: C, redirect_urls: [C, A] })
  t.equal(agree.statusCode, 200, 'both, agreeing')
  t.same(agree.json().redirect_urls, [C, A])

  const tooMany = Array.from({ length: MAX_REDIRECT_URLS + 1 }, (_, i) => `https://app${i}.example.com/cb`)
  const many = await call('PATCH', `/api/v1/applications/${id}`, { redirect_urls: tooMany })
  t.equal(many.statusCode, 400, `more than ${MAX_REDIRECT_URLS}: 400`)
  t.match(many.json().message, /redirect_urls/)

  const first = await call('PATCH', `/api/v1/applications/${id}`, { redirect_url: B })
  t.same(first.json().redirect_urls, [B, A], 'redirect_url alone replaces the first and keeps the others')
  const removed = await call('PATCH', `/api/v1/applications/${id}`, { redirect_url: '' })
  t.same(removed.json().redirect_urls, [A], "'' removes the first")
  const old = await call('POST', '/api/v1/applications', {
    name: 'Old',
    permission: 'browse',
    redirect_url: B,
  })
  t.same(old.json().redirect_urls, [B], 'an older client that sends redirect_url only')
  const read = await call('GET', `/api/v1/applications/${id}`)
  t.same(read.json().redirect_urls, [A])
  const row = await app.db
    .selectFrom('applications')
    .select(['redirect_url', 'redirect_urls'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  t.same(row, { redirect_url: A, redirect_urls: [A] }, 'the old column is derived from the list')
})

t.test(
  `redirect_urls through the form; the app flow redirects to the first (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const designer = await seedUser(app, 'publish', { newAccountName: 'Studio' })
    const browser = await loginAs(app, designer)

    const problem = await browser.post('/developers/applications', {
      name: 'Form app',
      permission: 'browse',
      redirect_urls: `${A}\r\nhttp://evil.example.com/cb\r\n`,
    })
    t.equal(problem.statusCode, 400, 'a bad line: the form again with the problem')
    t.match(problem.body, /redirect_urls entry &quot;http:\/\/evil\.example\.com\/cb&quot; must use https/)
    t.match(problem.body, /http:\/\/evil\.example\.com\/cb\s*<\/textarea>/, 'what was typed is kept')

    const created = await browser.post('/developers/applications', {
      name: 'Form app',
      permission: 'browse',
      redirect_urls: `${A}\r\n\r\n${B}\n`,
    })
    t.equal(created.statusCode, 200, 'created: the details page')
    const row = await app.db
      .selectFrom('applications')
      .selectAll()
      .where('name', '=', 'Form app')
      .executeTakeFirstOrThrow()
    t.same(row.redirect_urls, [A, B], 'one URL per line, blank lines dropped')
    t.match(
      created.body,
      /<li>https:\/\/app\.example\.com\/cb<\/li>\s*<li>http:\/\/127\.0\.0\.1:8400\/done<\/li>/,
    )

    const edit = await browser.get(`/developers/applications/${row.id}/edit`)
    t.match(
      edit.body,
      /name="redirect_urls"[^>]*>https:\/\/app\.example\.com\/cb\nhttp:\/\/127\.0\.0\.1:8400\/done<\/textarea>/,
    )
    const disagree = await browser.post(`/developers/applications/${row.id}`, {
      redirect_url: C,
      redirect_urls: `${A}\n${C}`,
    })
    t.equal(disagree.statusCode, 400, 'redirect_url and redirect_urls disagreeing')
    const oldForm = await browser.post(`/developers/applications/${row.id}`, { redirect_url: C })
    t.equal(oldForm.statusCode, 303, 'a form that still sends redirect_url')
    const details = await browser.get(`/developers/applications/${row.id}`)
    t.match(
      details.body,
      /<li>https:\/\/other\.example\.com\/return\?x=1<\/li>\s*<li>http:\/\/127\.0\.0\.1:8400\/done<\/li>/,
    )

    const fields = await openConsent(browser, `/authorize?app=${row.id}&state=s`)
    const allowed = await decide(browser, fields, {
      decision: 'allow',
      account_id: String(designer.accountId),
    })
    t.equal(allowed.statusCode, 303)
    t.ok(
      String(allowed.headers.location).startsWith(`${C}&token=`),
      'the application flow goes to the first URL',
    )
    t.equal(locationParams(allowed).get('state'), 's')
  },
)
