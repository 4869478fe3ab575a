import { createLocalJWKSet, jwtVerify } from 'jose'
import t from 'tap'
import { consentFields, consentSetup } from '../consent/flow-helpers.js'
import { DATABASE_KIND } from '../helper.js'
import { formPost } from '../oauth/oauth-helpers.js'
import { poll, startDevice } from './helpers.js'

// The device grant gives what the code grant gives (CONTRACT 10): with `openid` an
// id token, and when the application's tokens expire `expires_in` and a refresh token.

t.test(`the device grant's answer: id token, expiry and refresh token (${DATABASE_KIND})`, async (t) => {
  const { app, user, client, browser } = await consentSetup(t, { access_token_lifetime: 3600 })
  const start = await startDevice(app, client, 'design openid email')
  const consent = await browser.get(`/device?user_code=${start.user_code}`)
  t.equal(consent.statusCode, 200)
  t.match(consent.body, 'email address', 'the consent page says what the scopes reveal')
  const allowed = await browser.post('/device', {
    ...consentFields(consent.body),
    decision: 'allow',
    account_id: user.studioKidsId,
  })
  t.equal(allowed.statusCode, 200)

  const answer = await poll(app, client, start.device_code)
  t.equal(answer.statusCode, 200, answer.body)
  const body = answer.json()
  t.equal(body.scope, 'design openid email')
  t.equal(body.expires_in, 3600, 'the application lifetime')
  t.match(body.refresh_token, /^lkr_/, 'a refresh token, as the code grant gives')
  t.equal(body.account_id, user.studioKidsId)

  const jwks = createLocalJWKSet((await app.inject('/oauth/jwks')).json())
  const { payload } = await jwtVerify(body.id_token, jwks, {
    issuer: app.config.publicUrl,
    audience: String(client.application.id),
  })
  t.equal(payload.sub, String(user.userId))
  t.equal(payload.account_id, user.studioKidsId)
  t.equal(payload.email, user.email, 'email with the email scope')
  t.notOk('name' in payload, 'no name without the profile scope')
  t.notOk('nonce' in payload, 'the device flow has no nonce')
  t.type(payload.auth_time, 'number')

  const verify = await app.inject({
    url: '/verify',
    headers: { authorization: `Bearer ${body.access_token}` },
  })
  t.equal(verify.statusCode, 200)
  const expiresIn = verify.json().exp - Math.floor(Date.now() / 1000)
  t.ok(expiresIn > 3590 && expiresIn <= 3600, `the token expires in an hour (${expiresIn} s)`)

  const refreshed = await formPost(app, '/oauth/token', {
    grant_type: 'refresh_token',
    refresh_token: body.refresh_token,
    client_id: String(client.application.id),
  })
  t.equal(refreshed.statusCode, 200, refreshed.body)
  t.match(refreshed.json().refresh_token, /^lkr_/, 'the refresh token rotates')
  t.not(refreshed.json().refresh_token, body.refresh_token)
})
