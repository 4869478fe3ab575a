import t from 'tap'
import { ConfigError } from '../../src/config.js'
import { DATABASE_KIND, testConfig } from '../helper.js'
import { authorizeUrl } from '../oauth/oauth-helpers.js'
import { consentSetup } from './flow-helpers.js'

// Issue 11: /authorize?app=ID shows an application's name, permission and
// redirect URL, and ids are sequential; each authorization page is throttled
// per client IP (AUTHORIZE_RATE_LIMIT a minute; 3 here).
const LIMIT = 3

t.test(`the authorization pages are throttled per client IP (${DATABASE_KIND})`, async (t) => {
  const { app, application, browser } = await consentSetup(t, {}, { authorizeRateLimitPerMinute: LIMIT })
  const visit = (url: string, remoteAddress = '203.0.113.7') =>
    app.inject({ method: 'GET', url, remoteAddress, headers: { accept: 'text/html' } })

  for (const path of [`/authorize?app=${application.id}`, authorizeUrl(application)]) {
    const name = path.split('?')[0]
    for (let i = 1; i <= LIMIT; i += 1) {
      t.equal((await visit(path)).statusCode, 302, `${name}: visit ${i} goes on to sign-in`)
    }
    const refused = await visit(path)
    t.equal(refused.statusCode, 429, `${name}: past the limit, 429`)
    t.match(refused.headers['content-type'], /text\/html/, `${name}: a page`)
    t.match(refused.body, 'Too many authorization requests from your address', `${name}: that says why`)
    t.ok(Number(refused.headers['retry-after']) >= 1, `${name}: with Retry-After`)
    t.notOk(refused.headers.location, `${name}: and nothing else`)
    t.equal((await visit(path, '198.51.100.9')).statusCode, 302, `${name}: another address is not affected`)
  }
  const unknown = await visit('/authorize?app=999999', '192.0.2.1')
  t.equal(unknown.statusCode, 404, 'unknown ids count too')
  for (let i = 1; i < LIMIT; i += 1) await visit(`/authorize?app=${999990 + i}`, '192.0.2.1')
  t.equal((await visit('/authorize?app=1', '192.0.2.1')).statusCode, 429, 'so ids cannot be walked')

  const fields = await browser.get(`/authorize?app=${application.id}`)
  t.equal(fields.statusCode, 200, 'the signed-in person on the default address has their own budget')
})

t.test('AUTHORIZE_RATE_LIMIT is read and checked', async (t) => {
  t.equal(testConfig().authorizeRateLimitPerMinute, 60, 'generous by default')
  t.equal(testConfig({}, { AUTHORIZE_RATE_LIMIT: '500' }).authorizeRateLimitPerMinute, 500)
  t.throws(() => testConfig({}, { AUTHORIZE_RATE_LIMIT: '0' }), ConfigError)
})
