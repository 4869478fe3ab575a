import t from 'tap'
import { seedChooser } from '../consent/people.js'
import { me, seedApplication } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs } from '../helper.js'
import { authorizeUrl, formPost, obtainCode } from './oauth-helpers.js'

// Redirect URLs are stored as the URL parser serialises them (issue 11, item 10),
// so `https://app.example.com` is kept as `https://app.example.com/`. A client that
// registered the first form and sends it as redirect_uri must keep working, at
// /oauth/authorize and at /oauth/token; nothing else is loosened.

t.test(`a redirect_uri in the form it was registered in still matches (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const user = await seedChooser(app)
  const registered = 'https://app.example.com'
  const { application, clientSecret } = await seedApplication(
    app,
    { accountId: user.studioId },
    { redirect_url: registered },
  )
  t.equal(application.redirect_url, 'https://app.example.com/', 'stored serialised')
  const browser = await loginAs(app, user)

  const code = await obtainCode(browser, application, user.studioId, { redirect_uri: registered })
  const exchanged = await formPost(
    app,
    '/oauth/token',
    { grant_type: 'authorization_code', code, redirect_uri: registered },
    { id: application.id, secret: clientSecret },
  )
  t.equal(exchanged.statusCode, 200, exchanged.body)
  t.equal((await me(app, exchanged.json().access_token)).statusCode, 200, 'the token works')

  const withoutAtAuthorize = await obtainCode(browser, application, user.studioId, {
    redirect_uri: undefined,
  })
  const named = await formPost(
    app,
    '/oauth/token',
    { grant_type: 'authorization_code', code: withoutAtAuthorize, redirect_uri: registered },
    { id: application.id, secret: clientSecret },
  )
  t.equal(
    named.statusCode,
    200,
    'none at /oauth/authorize: the registered URL in either form at /oauth/token',
  )

  const sentExactly = await obtainCode(browser, application, user.studioId, { redirect_uri: registered })
  const other = await formPost(
    app,
    '/oauth/token',
    { grant_type: 'authorization_code', code: sentExactly, redirect_uri: 'https://app.example.com/' },
    { id: application.id, secret: clientSecret },
  )
  t.equal(
    other.statusCode,
    400,
    'sent at /oauth/authorize: /oauth/token wants it to the letter (RFC 6749 4.1.3)',
  )
  t.equal(other.json().error, 'invalid_grant')

  for (const wrong of [
    'https://app.example.com/x',
    'https://app.example.com:8443',
    'https://app.example.com/?a=1',
  ]) {
    const page = await browser.get(authorizeUrl(application, { redirect_uri: wrong }))
    t.equal(page.statusCode, 400, `${wrong}: still refused`)
    t.notOk(page.headers.location, `${wrong}: not sent on`)
  }
})
