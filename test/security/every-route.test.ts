import t from 'tap'
import { Browser, build, DATABASE_KIND, seedFirstAdmin } from '../helper.js'

// Generic checks over every registered route, so routes added later are covered
// without anyone remembering to add a test.
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

t.test(
  `CSRF: every state-changing page route refuses a request without a valid token (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const admin = await seedFirstAdmin(app)
    const browser = new Browser(app)
    await browser.login(admin.email)
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const routes = app.routeList.filter((r) => UNSAFE.has(r.method) && r.errorStyle === 'page')
    t.ok(routes.length >= 3, `${routes.length} state-changing page routes`)
    for (const route of routes) {
      const url = route.url.replace(/:\w+/g, String(admin.accountId))
      for (const csrf of [undefined, 'forged-token']) {
        const response = await app.inject({
          method: route.method as 'POST',
          url,
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
          payload: new URLSearchParams({ name: 'x', ...(csrf ? { _csrf: csrf } : {}) }).toString(),
        })
        t.equal(
          response.statusCode,
          403,
          `${route.method} ${route.url} without ${csrf ? 'a valid' : 'any'} token`,
        )
      }
    }
    t.equal((await browser.get('/')).statusCode, 200, 'the session survived: nothing was changed or ended')
  },
)

/**
 * State-changing routes that are deliberately not page routes, so the CSRF check above
 * does not cover them: machine APIs that read no session cookie (CONTRACT 11).
 */
const NOT_PAGES = ['POST /leaked-tokens']

t.test('the machine APIs outside the page scope read no session and ask no CSRF token', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = new Browser(app)
  await browser.login(admin.email)
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  for (const entry of NOT_PAGES) {
    const [method, url] = entry.split(' ') as [string, string]
    const route = app.routeList.find((r) => r.method === method && r.url === url)
    t.equal(route?.errorStyle, 'json', `${entry} is registered outside the page scope`)
    const response = await app.inject({
      method: method as 'POST',
      url,
      headers: { cookie, 'content-type': 'application/json' },
      payload: '[]',
    })
    t.equal(response.statusCode, 200, `${entry} answers without a CSRF token: a cookie gives it nothing`)
  }
})

t.test('clickjacking and referrer headers on every page', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = new Browser(app)
  await browser.login(admin.email)
  const pages = app.routeList.filter((r) => r.method === 'GET' && r.errorStyle === 'page')
  t.ok(pages.length >= 3)
  for (const route of pages) {
    const response = await browser.get(route.url.replace(/:\w+/g, '1'))
    t.match(response.headers['content-security-policy'], "frame-ancestors 'none'", `${route.url} CSP`)
    t.equal(response.headers['x-frame-options'], 'DENY', `${route.url} X-Frame-Options`)
    t.equal(response.headers['referrer-policy'], 'no-referrer', `${route.url} Referrer-Policy`)
    t.ok(response.statusCode < 500, `${route.url} answered ${response.statusCode}`)
  }
})
