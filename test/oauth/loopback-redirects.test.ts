import t from 'tap'
import { consentSetup, decide, locationParams, openConsent } from '../consent/flow-helpers.js'
import { DATABASE_KIND } from '../helper.js'
import { authorizeUrl, exchangeCode, pkcePair } from './oauth-helpers.js'

// CONTRACT 10, RFC 8252 7.3: several redirect URLs, each usable as redirect_uri; an http
// loopback address (127.0.0.1, [::1]) on any port, path and query to the letter; not
// localhost (RFC 8252 8.3) and not other hosts.

const WEB = 'https://app.example.com/cb'
const V4 = 'http://127.0.0.1/native/cb?app=1'
const V6 = 'http://[::1]:7000/cb'
const LOCALHOST = 'http://localhost:5000/cb'

t.test(`redirect_uri: each registered URL, loopback on any port (${DATABASE_KIND})`, async (t) => {
  const { app, user, client, application, browser } = await consentSetup(t, {
    redirect_url: undefined,
    redirect_urls: [WEB, V4, V6, LOCALHOST],
  })
  const account = String(user.studioId)

  const allowed: [string, string][] = [
    ['the first', WEB],
    ['127.0.0.1 as registered', V4],
    ['127.0.0.1 on a port', 'http://127.0.0.1:49152/native/cb?app=1'],
    ['[::1] as registered', V6],
    ['[::1] on another port', 'http://[::1]:61234/cb'],
    ['[::1] on the default port', 'http://[::1]/cb'],
    ['localhost exactly', LOCALHOST],
  ]
  for (const [name, uri] of allowed) {
    const fields = await openConsent(browser, authorizeUrl(application, { redirect_uri: uri }))
    const answer = await decide(browser, fields, { decision: 'allow', account_id: account })
    t.equal(answer.statusCode, 303, `${name}: allowed`)
    const location = String(answer.headers.location)
    t.ok(
      location.startsWith(`${new URL(uri).href}${uri.includes('?') ? '&' : '?'}code=`),
      `${name}: back to ${uri}`,
    )
    const code = String(locationParams(answer).get('code'))
    const token = await exchangeCode(app, client, code, uri)
    t.equal(token.statusCode, 200, `${name}: the code exchanges with the same redirect_uri`)
  }

  const refused: [string, string][] = [
    ['another path on 127.0.0.1', 'http://127.0.0.1:49152/native/cb2?app=1'],
    ['another query on 127.0.0.1', 'http://127.0.0.1:49152/native/cb?app=2'],
    ['a fragment', 'http://127.0.0.1:49152/native/cb?app=1#x'],
    ['https on 127.0.0.1', 'https://127.0.0.1:49152/native/cb?app=1'],
    ['localhost on another port', 'http://localhost:5001/cb'],
    ['127.0.0.1 for a localhost URL', 'http://127.0.0.1:5000/cb'],
    ['an https host on another port', 'https://app.example.com:8443/cb'],
    ['[::1] with credentials', 'http://user@[::1]:61234/cb'],
  ]
  for (const [name, uri] of refused) {
    const page = await browser.get(authorizeUrl(application, { redirect_uri: uri }))
    t.equal(page.statusCode, 400, `${name}: an error page`)
    t.notOk(page.headers.location, `${name}: no redirect`)
  }

  const none = await browser.get(authorizeUrl(application, { redirect_uri: undefined }))
  t.equal(none.statusCode, 400, 'several registered and no redirect_uri: an error page')
  t.notOk(none.headers.location, 'no redirect')
  t.match(none.body, /several redirect URLs/)
})

t.test(`the token exchange wants the port used at /oauth/authorize (${DATABASE_KIND})`, async (t) => {
  const { app, user, client, application, browser } = await consentSetup(t, {
    redirect_url: undefined,
    redirect_urls: [V6, WEB],
  })
  const { verifier, challenge } = pkcePair()
  const used = 'http://[::1]:50001/cb'
  const fields = await openConsent(
    browser,
    authorizeUrl(application, {
      redirect_uri: used,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }),
  )
  const answer = await decide(browser, fields, { decision: 'allow', account_id: String(user.studioId) })
  t.ok(String(answer.headers.location).startsWith(`${used}?code=`))
  const code = String(locationParams(answer).get('code'))
  const exchange = (redirectUri: string) =>
    app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: String(client.application.id),
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }).toString(),
    })
  const otherPort = await exchange('http://[::1]:50002/cb')
  t.equal(otherPort.statusCode, 400, 'another port: refused')
  t.equal(otherPort.json().error, 'invalid_grant')
  const registered = await exchange(V6)
  t.equal(registered.json().error, 'invalid_grant', 'the registered port is another URI too')
  const same = await exchange(used)
  t.equal(same.statusCode, 200, 'the same URI: a token')
  t.match(same.json().access_token, /^lka_/)
})
