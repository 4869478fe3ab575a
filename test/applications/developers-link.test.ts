import type { LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { seedApplication } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, seedFirstAdmin } from '../helper.js'

// CONTRACT section 3: GET /developers is the developer dashboard's address (signed in, the
// Applications tab; signed out, /login and back), and every page has a <footer> whose
// "Developers" link leads there.

/** The links inside the page's <footer>, as [href, text] pairs. */
function footerLinks(response: LightMyRequestResponse): string[][] {
  const footers = [...response.body.matchAll(/<footer\b[\s\S]*?<\/footer>/g)].map((m) => m[0])
  return footers.flatMap((footer) =>
    [...footer.matchAll(/<a\b[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/g)].map((m) => [
      m[1] ?? '',
      (m[2] ?? '').trim(),
    ]),
  )
}

function hasDevelopersLink(t: Test, response: LightMyRequestResponse, page: string): void {
  t.ok(
    footerLinks(response).some(([href, text]) => href === '/developers' && text === 'Developers'),
    `${page}: the footer links to /developers with the text "Developers"`,
  )
}

t.test(`GET /developers signed in: the Applications tab (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const response = await browser.get('/developers')
  t.equal(response.statusCode, 302)
  t.equal(response.headers.location, '/developers/applications')
  const tab = await browser.get('/developers/applications')
  t.equal(tab.statusCode, 200)
  t.match(tab.body, '<h1>Applications</h1>')
})

t.test('GET /developers signed out: to /login, and back after signing in', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = new Browser(app)
  const response = await browser.get('/developers')
  t.equal(response.statusCode, 303)
  t.equal(response.headers.location, '/login?next=%2Fdevelopers')

  const login = await browser.get(String(response.headers.location))
  t.equal(login.statusCode, 200)
  t.match(login.body, 'name="next" value="/developers"', 'the login form carries next=/developers')
  const signedIn = await browser.post('/login', {
    email: admin.email,
    password: admin.password,
    next: '/developers',
  })
  t.equal(signedIn.statusCode, 303)
  t.equal(signedIn.headers.location, '/developers', 'signing in leads back to /developers')
  t.equal((await browser.get('/developers')).headers.location, '/developers/applications')
})

t.test('every kind of page has the footer with the Developers link', async (t) => {
  const { app } = await build(t)
  const anonymous = new Browser(app)

  const setup = await anonymous.get('/setup')
  t.equal(setup.statusCode, 200)
  hasDevelopersLink(t, setup, 'setup')

  const admin = await seedFirstAdmin(app)
  const login = await anonymous.get('/login')
  t.equal(login.statusCode, 200)
  hasDevelopersLink(t, login, 'login')

  const browser = await loginAs(app, admin)
  for (const path of ['/', '/developers/applications', '/developers/tokens', '/settings/accounts/users']) {
    const page = await browser.get(path)
    t.equal(page.statusCode, 200, path)
    hasDevelopersLink(t, page, path)
  }

  const { application } = await seedApplication(app, admin, { redirect_url: 'https://app.example.com/cb' })
  const consent = await browser.get(`/authorize?app=${application.id}&state=s`)
  t.equal(consent.statusCode, 200)
  t.match(consent.body, `Authorize ${application.name}`)
  hasDevelopersLink(t, consent, 'consent')

  const missing = await browser.get('/developers/applications/2147483647')
  t.equal(missing.statusCode, 404)
  hasDevelopersLink(t, missing, 'error page in the page scope')

  const unrouted = await anonymous.get('/no/such/page')
  t.equal(unrouted.statusCode, 404)
  hasDevelopersLink(t, unrouted, 'error page of a request that matched no route')
})

t.test('the Tokens form says "Generate"', async (t) => {
  const { app } = await build(t)
  const browser = await loginAs(app, await seedFirstAdmin(app))
  const page = await browser.get('/developers/tokens')
  t.match(page.body, /<button type="submit">Generate<\/button>/)
})
