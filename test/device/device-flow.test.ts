import t from 'tap'
import { consentFields, consentSetup, seedClient } from '../consent/flow-helpers.js'
import { postWithoutCsrf, storedText, TestClock } from '../fixtures.js'
import { Browser, DATABASE_KIND } from '../helper.js'
import { formPost } from '../oauth/oauth-helpers.js'
import { errorOf, poll, startDevice } from './helpers.js'

// The device authorization grant (CONTRACT 10, RFC 8628) through the real stack:
// the device's requests to /oauth/device_authorization and /oauth/token, the
// person's on /device and its consent page.

const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/

t.test(
  `a device asks, the person allows on /device, the device gets one token (${DATABASE_KIND})`,
  async (t) => {
    const clock = new TestClock()
    const { app, user, client, browser } = await consentSetup(t, {}, { now: clock.now })

    const answer = await formPost(app, '/oauth/device_authorization', {
      client_id: String(client.application.id),
      scope: 'design',
    })
    t.equal(answer.statusCode, 200)
    t.equal(answer.headers['cache-control'], 'no-store')
    const start = answer.json()
    t.match(start.device_code, /^[\w-]{43}$/, 'a 256-bit device code')
    t.match(start.user_code, USER_CODE, 'XXXX-XXXX from the consonant alphabet')
    t.equal(start.verification_uri, `${app.config.publicUrl}/device`)
    t.equal(start.verification_uri_complete, `${app.config.publicUrl}/device?user_code=${start.user_code}`)
    t.equal(start.expires_in, 600)
    t.equal(start.interval, 5)
    const stored = (await storedText(app, ['device_authorizations'])).join('\n')
    t.notMatch(stored, start.device_code, 'the device code is stored as a hash only')
    t.notMatch(stored, start.user_code, 'the user code is stored as a hash only')

    const intervalNow = async () =>
      (await app.db.selectFrom('device_authorizations').select('interval_seconds').executeTakeFirstOrThrow())
        .interval_seconds
    t.equal(errorOf(await poll(app, client, start.device_code)), '400 authorization_pending')
    t.equal(errorOf(await poll(app, client, start.device_code)), '400 slow_down', 'polled at once: too fast')
    t.equal(await intervalNow(), 10, 'RFC 8628 3.5: the interval grows by 5 s')
    clock.advance(6)
    t.equal(errorOf(await poll(app, client, start.device_code)), '400 slow_down', '6 s is too fast for 10 s')
    t.equal(await intervalNow(), 15)
    clock.advance(15)
    t.equal(errorOf(await poll(app, client, start.device_code)), '400 authorization_pending')

    const signedOut = await new Browser(app).get(`/device?user_code=${start.user_code}`)
    t.equal(signedOut.statusCode, 302)
    t.equal(
      signedOut.headers.location,
      `/login?next=${encodeURIComponent(`/device?user_code=${start.user_code}`)}`,
    )

    // Typed as a person might: lower case, a space instead of the hyphen.
    const typed = start.user_code.toLowerCase().replace('-', ' ')
    const consent = await browser.get(`/device?user_code=${encodeURIComponent(typed)}`)
    t.equal(consent.statusCode, 200)
    t.match(
      consent.body,
      `<strong class="mono" id="user-code">${start.user_code}</strong>`,
      'the code to compare',
    )
    t.match(consent.body, `Authorize ${client.application.name}`, 'the consent page of the other flows')
    t.match(consent.body, new RegExp(`id="account-${user.archiveId}"[^>]* disabled`), 'browse is too low')
    t.match(consent.body, `id="reason-${user.archiveId}">Needs the design role`)
    const fields = consentFields(consent.body)
    t.ok(fields.ticket, 'the form posts back to /device with its ticket')

    const tooLow = await browser.post('/device', { ...fields, decision: 'allow', account_id: user.archiveId })
    t.equal(tooLow.statusCode, 403, 'an account where the role is too low is refused however it is posted')
    const allowed = await browser.post('/device', {
      ...fields,
      decision: 'allow',
      account_id: user.studioKidsId,
    })
    t.equal(allowed.statusCode, 200)
    t.match(allowed.body, 'You can return to your device')

    const row = await app.db.selectFrom('device_authorizations').selectAll().executeTakeFirstOrThrow()
    t.match(row, {
      status: 'approved',
      user_id: user.userId,
      account_id: user.studioKidsId,
      scope: 'design',
      amr: 'pwd',
    })
    t.ok(row.auth_time instanceof Date, "the session's authenticated_at is kept for the token")
    t.ok(row.authorization_id, 'the authorization is recorded at approval')
    const approved = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'device_authorization.approved')
      .execute()
    t.equal(approved.length, 1, 'the approval is audited')
    t.equal(approved[0]?.account_id, user.studioKidsId)

    clock.advance(15)
    const issued = await poll(app, client, start.device_code)
    t.equal(issued.statusCode, 200, issued.body)
    t.equal(issued.headers['cache-control'], 'no-store')
    const body = issued.json()
    t.match(body, { token_type: 'Bearer', scope: 'design', account_id: user.studioKidsId })
    t.match(body.access_token, /^lka_/)
    const verified = await app.inject({
      url: '/verify',
      headers: { authorization: `Bearer ${body.access_token}` },
    })
    t.equal(verified.statusCode, 200, 'the token works on /verify')
    t.equal(verified.headers['x-auth-account-id'], String(user.studioKidsId))

    clock.advance(15)
    t.equal(
      errorOf(await poll(app, client, start.device_code)),
      '400 invalid_grant',
      'a device code works once',
    )
    const again = await browser.post('/device', {
      ...fields,
      decision: 'allow',
      account_id: user.studioKidsId,
    })
    t.equal(again.statusCode, 410, 'an answered code cannot be answered again')
  },
)

t.test(`deny, expiry, another client's code, client authentication, scope (${DATABASE_KIND})`, async (t) => {
  const clock = new TestClock()
  const { app, user, client, browser } = await consentSetup(t, {}, { now: clock.now })

  const denied = await startDevice(app, client)
  const page = await browser.get(`/device?user_code=${denied.user_code}`)
  const refusal = await browser.post('/device', { ...consentFields(page.body), decision: 'deny' })
  t.equal(refusal.statusCode, 200)
  t.match(refusal.body, 'You can return to your device')
  t.equal(errorOf(await poll(app, client, denied.device_code)), '400 access_denied')
  const events = await app.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'device_authorization.denied')
    .execute()
  t.match(events, [{ account_id: null, actor_user_id: user.userId }], "in the person's own history")

  const pending = await startDevice(app, client)
  const other = await seedClient(app, user)
  t.equal(
    errorOf(await poll(app, other, pending.device_code)),
    '400 invalid_grant',
    'the device code belongs to the client that asked for it',
  )

  const wrongSecret = await formPost(
    app,
    '/oauth/device_authorization',
    {},
    { id: client.application.id, secret: 'lkc_wrong' },
  )
  t.equal(errorOf(wrongSecret), '401 invalid_client', 'a client that sends a secret must send the right one')
  const confidential = await formPost(
    app,
    '/oauth/device_authorization',
    {},
    { id: client.application.id, secret: client.clientSecret },
  )
  t.equal(confidential.statusCode, 200, 'a confidential client with its secret')
  const unknown = await formPost(app, '/oauth/device_authorization', { client_id: '2147483647' })
  t.equal(errorOf(unknown), '401 invalid_client')
  const tooWide = await formPost(app, '/oauth/device_authorization', {
    client_id: String(client.application.id),
    scope: 'admin',
  })
  t.equal(errorOf(tooWide), '400 invalid_scope', 'never more than the application asks for')

  clock.advance(601)
  t.equal(errorOf(await poll(app, client, pending.device_code)), '400 expired_token')
  const late = await browser.get(`/device?user_code=${pending.user_code}`)
  t.equal(late.statusCode, 410)
  t.match(late.body, 'This code has expired')
})

t.test(`the code form, CSRF, and guessing codes is throttled (${DATABASE_KIND})`, async (t) => {
  const { app, user, client, browser } = await consentSetup(t)
  const form = await browser.get('/device')
  t.equal(form.statusCode, 200)
  t.match(form.body, '<form method="post" action="/device">')

  const entered = await browser.post('/device', { user_code: ' bcdf ghjk ' })
  t.equal(entered.statusCode, 303)
  t.equal(
    entered.headers.location,
    '/device?user_code=BCDF-GHJK',
    'normalised; spaces and case do not matter',
  )
  const malformed = await browser.post('/device', { user_code: 'AEIO-U123' })
  t.equal(malformed.statusCode, 400, 'vowels and digits are never in a code')
  t.match(malformed.body, 'That code is not valid')

  t.equal((await postWithoutCsrf(browser, '/device', { user_code: 'BCDF-GHJK' })).statusCode, 403)
  const start = await startDevice(app, client)
  const consent = await browser.get(`/device?user_code=${start.user_code}`)
  t.equal(consent.statusCode, 200, 'a real code does not count as a guess')
  const { _csrf: _, ...withoutCsrf } = consentFields(consent.body)
  const forged = await postWithoutCsrf(browser, '/device', { ...withoutCsrf, decision: 'deny' })
  t.equal(forged.statusCode, 403, 'the consent POST needs the CSRF token too')
  const elsewhere = await browser.post('/authorize', {
    ...withoutCsrf,
    decision: 'allow',
    account_id: user.studioId,
  })
  t.equal(elsewhere.statusCode, 400, 'a device consent is answered on /device only')

  // LOGIN_MAX_FAILURES (5) wrong codes per session; the next lookup is refused, even of a real code.
  for (let i = 0; i < 5; i += 1) {
    const wrong = await browser.get(`/device?user_code=BCDF-GHJ${'KLMNP'[i]}`)
    t.equal(wrong.statusCode, 404, `wrong code ${i + 1}`)
  }
  const refused = await browser.get(`/device?user_code=${start.user_code}`)
  t.equal(refused.statusCode, 429)
  t.ok(Number(refused.headers['retry-after']) > 0, 'with Retry-After')
  t.match(refused.body, 'Too many wrong codes')
  t.equal(
    errorOf(await poll(app, client, start.device_code)),
    '400 authorization_pending',
    'still unanswered',
  )
})
