import t from 'tap'
import { updateApplication } from '../../src/applications/repo.js'
import { consentSetup, decide, locationParams, openConsent, seedClient } from '../consent/flow-helpers.js'
import { seedChooser } from '../consent/people.js'
import { Browser, build, DATABASE_KIND, loginAs, PASSWORD } from '../helper.js'
import { authorizeUrl, pkcePair } from './oauth-helpers.js'

const ISSUER = 'http://localhost:3000'

t.test(`invalid client or redirect_uri: an error page, never a redirect (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const user = await seedChooser(app)
  const { application } = await seedClient(app, user, { redirect_url: 'https://app.example.com/cb' })
  const { application: noRedirect } = await seedClient(app, user, { redirect_url: '' })
  const browser = await loginAs(app, user)
  const cases: [string, string][] = [
    ['unknown client', authorizeUrl(application, { client_id: '999999' })],
    ['no client_id', authorizeUrl(application, { client_id: undefined })],
    ['client_id not a number', authorizeUrl(application, { client_id: 'abc' })],
    ['another redirect_uri', authorizeUrl(application, { redirect_uri: 'https://evil.example.com/cb' })],
    ['a longer path', authorizeUrl(application, { redirect_uri: 'https://app.example.com/cb/x' })],
    ['an added query', authorizeUrl(application, { redirect_uri: 'https://app.example.com/cb?a=1' })],
    ['http instead of https', authorizeUrl(application, { redirect_uri: 'http://app.example.com/cb' })],
    [
      'redirect_uri twice',
      `${authorizeUrl(application)}&redirect_uri=${encodeURIComponent('https://evil.example.com/')}`,
    ],
    ['no registered redirect URL', authorizeUrl(noRedirect, { redirect_uri: undefined })],
  ]
  for (const [name, url] of cases) {
    const response = await browser.get(url)
    t.equal(response.statusCode, 400, `${name}: 400`)
    t.notOk(response.headers.location, `${name}: no redirect`)
    t.match(response.headers['content-type'], /text\/html/, `${name}: a page`)
  }
  const anonymous = await new Browser(app).get(authorizeUrl(application, { client_id: '999999' }))
  t.equal(anonymous.statusCode, 400, 'the same before login')
})

t.test(
  `once signed in, other request errors redirect with error=, state and iss (RFC 6749 4.1.2.1, RFC 9207) (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const user = await seedChooser(app)
    const { application } = await seedClient(app, user, {
      redirect_url: 'https://app.example.com/cb?tenant=7',
      permission: 'design',
    })
    const { challenge } = pkcePair()
    const cases: [string, Record<string, string | undefined>, string][] = [
      ['no response_type', { response_type: undefined }, 'invalid_request'],
      ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
      ['plain PKCE', { code_challenge: challenge, code_challenge_method: 'plain' }, 'invalid_request'],
      ['challenge without method', { code_challenge: challenge }, 'invalid_request'],
      ['method without challenge', { code_challenge_method: 'S256' }, 'invalid_request'],
      ['malformed challenge', { code_challenge: 'short', code_challenge_method: 'S256' }, 'invalid_request'],
      ['scope above the application', { scope: 'publish' }, 'invalid_scope'],
      ['unknown scope', { scope: 'everything' }, 'invalid_scope'],
    ]
    const browser = await loginAs(app, user)
    for (const [name, params, error] of cases) {
      const response = await browser.get(authorizeUrl(application, { state: 'keep-me', ...params }))
      t.equal(response.statusCode, 302, `${name}: redirected`)
      const location = String(response.headers.location)
      t.ok(location.startsWith('https://app.example.com/cb?tenant=7&'), `${name}: to the registered URL`)
      const query = locationParams(response)
      t.equal(query.get('error'), error, `${name}: ${error}`)
      t.equal(query.get('state'), 'keep-me', `${name}: state`)
      t.equal(query.get('iss'), ISSUER, `${name}: iss`)
    }
  },
)

t.test(
  `login round trip, consent, allow: 303 to redirect_uri with code, state and iss (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const user = await seedChooser(app)
    const { application } = await seedClient(app, user, {
      redirect_url: 'https://app.example.com/cb?tenant=7',
    })
    const { challenge } = pkcePair()
    const url = authorizeUrl(application, {
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'xyz',
    })
    const browser = new Browser(app)
    const anonymous = await browser.get(url)
    t.equal(anonymous.statusCode, 302)
    t.equal(anonymous.headers.location, `/login?next=${encodeURIComponent(url)}`)
    await browser.get(String(anonymous.headers.location))
    t.equal(
      (await browser.post('/login', { email: user.email, password: 'nope-nope-nope', next: url })).statusCode,
      401,
    )
    const signedIn = await browser.post('/login', { email: user.email, password: PASSWORD, next: url })
    t.equal(signedIn.headers.location, url, 'back to the same request after a failed login')

    const page = await browser.get(url)
    t.equal(page.statusCode, 200)
    t.match(page.body, 'action="/authorize"', 'the same consent form as the application flow')
    t.match(page.body, 'Account to authorize')
    t.match(page.body, 'Needs the design role; you have browse.', 'ineligible accounts shown with the reason')
    const fields = await openConsent(browser, url)
    const allowed = await decide(browser, fields, { decision: 'allow', account_id: String(user.studioId) })
    t.equal(allowed.statusCode, 303)
    t.equal(allowed.headers['cache-control'], 'no-store')
    t.equal(allowed.headers['referrer-policy'], 'no-referrer')
    const location = String(allowed.headers.location)
    t.ok(
      location.startsWith('https://app.example.com/cb?tenant=7&code='),
      'the registered URL, its query kept',
    )
    const query = locationParams(allowed)
    t.match(query.get('code'), /^[A-Za-z0-9_-]{43}$/)
    t.equal(query.get('state'), 'xyz')
    t.equal(query.get('iss'), ISSUER)
    t.notOk(query.has('token'), 'no token in the URL')
    const codes = await app.db.selectFrom('authorization_codes').selectAll().execute()
    t.equal(codes.length, 1)
    t.not(codes[0]?.code_hash, query.get('code'), 'the code is stored hashed')
    t.equal(codes[0]?.code_challenge, challenge)
    t.equal(
      (await app.db.selectFrom('tokens').selectAll().execute()).length,
      0,
      'no token before the exchange',
    )
  },
)

t.test(`deny: 303 with error=access_denied, state and iss (${DATABASE_KIND})`, async (t) => {
  const { app, application, browser } = await consentSetup(t)
  const fields = await openConsent(browser, authorizeUrl(application, { state: 'd1' }))
  const denied = await decide(browser, fields, { decision: 'deny' })
  t.equal(denied.statusCode, 303)
  const query = locationParams(denied)
  t.equal(query.get('error'), 'access_denied')
  t.equal(query.get('state'), 'd1')
  t.equal(query.get('iss'), ISSUER)
  t.notOk(query.has('code'))
  t.equal((await app.db.selectFrom('authorization_codes').selectAll().execute()).length, 0)
})

t.test(`scope may ask for less than the application's permission (${DATABASE_KIND})`, async (t) => {
  const { app, user, application, browser } = await consentSetup(t, { permission: 'design' })
  const page = await browser.get(authorizeUrl(application, { scope: 'browse', redirect_uri: undefined }))
  t.equal(page.statusCode, 200)
  t.match(page.body, 'read only', 'the lower permission is what the page shows')
  t.notMatch(page.body, 'Needs the', 'the browse account is now eligible')
  const fields = await openConsent(
    browser,
    authorizeUrl(application, { scope: 'browse', redirect_uri: undefined }),
  )
  const allowed = await decide(browser, fields, { decision: 'allow', account_id: String(user.archiveId) })
  t.equal(allowed.statusCode, 303)
  const codes = await app.db.selectFrom('authorization_codes').selectAll().execute()
  t.equal(codes[0]?.permission, 'browse')
  t.equal(codes[0]?.account_id, user.archiveId)
})

t.test(
  `a redirect URL changed while the consent page was open is not followed (${DATABASE_KIND})`,
  async (t) => {
    const { app, user, application, browser } = await consentSetup(t)
    const fields = await openConsent(browser, authorizeUrl(application))
    await updateApplication(
      app.db,
      user.studioId,
      application.id,
      { redirect_urls: ['https://new.example.com/cb'] },
      new Date(),
    )
    for (const decision of ['allow', 'deny']) {
      const response = await decide(browser, fields, { decision, account_id: String(user.studioId) })
      t.equal(response.statusCode, 400, `${decision}: an error page`)
      t.notOk(response.headers.location, `${decision}: no redirect`)
    }
    t.equal((await app.db.selectFrom('authorization_codes').selectAll().execute()).length, 0)
  },
)
