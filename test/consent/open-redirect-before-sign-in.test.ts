import t from 'tap'
import { Browser, DATABASE_KIND, loginAs } from '../helper.js'
import { authorizeUrl } from '../oauth/oauth-helpers.js'
import { consentSetup, locationParams } from './flow-helpers.js'

// Issue 11, item 9: anyone can register an application, so when
// /oauth/authorize redirected request errors to the registered URL before
// sign-in, Latchkey's origin served as an open redirector. CONTRACT 4b: before
// sign-in, a page names the application and the destination instead.
const NAME = 'Shady <b>"Redirects"</b> & Co'
const NAME_ESCAPED = 'Shady &lt;b&gt;&quot;Redirects&quot;&lt;/b&gt; &amp; Co'
const REDIRECT = 'https://elsewhere.example/landing?a=1&b=<2>'
const REDIRECT_ESCAPED = 'https://elsewhere.example/landing?a=1&amp;b=%3C2%3E'

t.test(`before sign-in, request errors show a page, not a redirect (${DATABASE_KIND})`, async (t) => {
  const { app, user, application } = await consentSetup(t, { name: NAME, redirect_url: REDIRECT })
  const cases: [string, Record<string, string | undefined>, string][] = [
    ['unsupported response_type', { response_type: 'token' }, 'unsupported_response_type'],
    ['no response_type', { response_type: undefined }, 'invalid_request'],
    ['scope above the application', { scope: 'admin' }, 'invalid_scope'],
    ['unknown scope', { scope: '<everything>' }, 'invalid_scope'],
  ]
  for (const [name, params, error] of cases) {
    const url = authorizeUrl(application, { redirect_uri: undefined, ...params })
    const anonymous = await new Browser(app).get(url)
    t.equal(anonymous.statusCode, 400, `${name}: 400`)
    t.notOk(anonymous.headers.location, `${name}: no Location header`)
    t.match(anonymous.headers['content-type'], /text\/html/, `${name}: a page`)
    t.match(anonymous.body, NAME_ESCAPED, `${name}: names the application, escaped`)
    t.match(anonymous.body, REDIRECT_ESCAPED, `${name}: names the destination, escaped`)
    t.match(anonymous.body, error, `${name}: says what is wrong`)
    t.notMatch(anonymous.body, '<b>"Redirects"', `${name}: no raw name`)
    t.equal(anonymous.headers['cache-control'], 'no-store')
  }
  const withState = await new Browser(app).get(
    authorizeUrl(application, { redirect_uri: undefined, response_type: 'token', state: 'st8' }),
  )
  const link = /<a href="([^"]+)" rel="noreferrer">go back to it<\/a>/.exec(withState.body)?.[1]
  const back = new URL(String(link).replace(/&amp;/g, '&'))
  t.equal(
    `${back.origin}${back.pathname}`,
    'https://elsewhere.example/landing',
    'the person may follow a link',
  )
  t.equal(back.searchParams.get('error'), 'unsupported_response_type', 'which carries the error')
  t.equal(back.searchParams.get('state'), 'st8')

  const browser = await loginAs(app, user)
  const signedIn = await browser.get(
    authorizeUrl(application, { redirect_uri: undefined, response_type: 'token', state: 'st8' }),
  )
  t.equal(signedIn.statusCode, 302, 'once signed in, the error is redirected (RFC 6749 4.1.2.1)')
  t.equal(locationParams(signedIn).get('error'), 'unsupported_response_type')
  t.equal(locationParams(signedIn).get('state'), 'st8')
  t.ok(String(signedIn.headers.location).startsWith('https://elsewhere.example/landing?a=1&b=%3C2%3E&'))
})

t.test(`a good request before sign-in still goes to the login page (${DATABASE_KIND})`, async (t) => {
  const { app, application } = await consentSetup(t, { redirect_url: REDIRECT })
  const url = authorizeUrl(application, { redirect_uri: undefined })
  const anonymous = await new Browser(app).get(url)
  t.equal(anonymous.statusCode, 302)
  t.equal(anonymous.headers.location, `/login?next=${encodeURIComponent(url)}`)
})
