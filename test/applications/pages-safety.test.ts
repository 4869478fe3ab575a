import t from 'tap'
import { findApplication } from '../../src/applications/repo.js'
import { postWithoutCsrf, seedApplication, XSS, XSS_ESCAPED } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin } from '../helper.js'

t.test(`an application name full of markup is escaped on every page (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const created = await browser.post('/developers/applications', {
    name: XSS,
    description: `<img src=x onerror=alert(2)> ${XSS}`,
    url: 'https://app.example.com/?q="><script>alert(3)</script>',
    permission: 'browse',
  })
  t.equal(created.statusCode, 200)
  const id = Number(/\/developers\/applications\/(\d+)\/edit/.exec(created.body)?.[1])
  const pages = {
    created,
    list: await browser.get('/developers/applications'),
    details: await browser.get(`/developers/applications/${id}`),
    edit: await browser.get(`/developers/applications/${id}/edit`),
    duplicate: await browser.post('/developers/applications', { name: XSS, permission: 'browse' }),
    refusedEdit: await browser.post(`/developers/applications/${id}`, {
      name: XSS,
      redirect_url: 'http://evil.example.com/',
      permission: 'browse',
    }),
  }
  for (const [name, page] of Object.entries(pages)) {
    t.notMatch(page.body, XSS, `${name}: the raw markup never reaches the page`)
    t.notMatch(page.body, '<img src=x', `${name}: nor the description’s`)
    t.notMatch(page.body, '"><script>', `${name}: nor the URL’s`)
    t.match(page.body, XSS_ESCAPED, `${name}: the name is shown escaped`)
    t.match(page.headers['content-security-policy'], "frame-ancestors 'none'")
  }
})

t.test('every applications form refuses a request without a valid CSRF token', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const { application } = await seedApplication(app, admin, { name: 'Guarded' })
  const id = application.id
  const forms: [string, Record<string, string>][] = [
    ['/developers/applications', { name: 'Forged', permission: 'admin' }],
    [`/developers/applications/${id}`, { name: 'Renamed', permission: 'admin' }],
    [`/developers/applications/${id}/secret`, {}],
    [`/developers/applications/${id}/delete`, {}],
  ]
  for (const [url, fields] of forms) {
    const missing = await postWithoutCsrf(browser, url, fields)
    t.equal(missing.statusCode, 403, `${url} without a token`)
    t.match(missing.body, 'The form has expired or did not come from this site')
    const forged = await browser.post(url, { ...fields, _csrf: 'forged-token' })
    t.equal(forged.statusCode, 403, `${url} with a forged token`)
  }
  const after = await findApplication(app.db, id)
  t.equal(after?.name, 'Guarded', 'nothing changed')
  t.equal(after?.client_secret_hash, application.client_secret_hash, 'the secret was not regenerated')
  const all = await app.db.selectFrom('applications').select('name').execute()
  t.same(all, [{ name: 'Guarded' }], 'nothing was created')
})
