import t from 'tap'
import { postWithoutCsrf, XSS, XSS_ESCAPED } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, seedFirstAdmin } from '../helper.js'
import { linkPath, linksIn, silentSmtpUrl } from '../mailbox.js'
import { openSignupApp, rowCounts, signUp, signupFields } from './helpers.js'

/** The answer with the echoed address taken out: what must not differ between known and unknown. */
function withoutAddress(body: string, email: string): string {
  return body.split(email).join('ADDRESS')
}

t.test(
  `known and unknown addresses get the same answer; the known one is mailed a notice, not a link (${DATABASE_KIND})`,
  async (t) => {
    const { app, mailbox } = await openSignupApp(t)
    const admin = await seedFirstAdmin(app)
    const unknown = signupFields()
    // The registered address as typed in another case: still the same person.
    const known = signupFields({ email: admin.email.toUpperCase() })

    const first = await signUp(app, unknown)
    const second = await signUp(app, known)
    t.equal(first.statusCode, 200)
    t.equal(second.statusCode, first.statusCode, 'same status')
    t.equal(second.headers['content-type'], first.headers['content-type'])
    t.match(second.body, known.email, 'each page names the address typed')
    t.equal(withoutAddress(second.body, known.email), withoutAddress(first.body, unknown.email), 'same page')

    const mails = [await mailbox.next(), await mailbox.next()]
    const toOf = (m: (typeof mails)[number]) => (m.to && 'text' in m.to ? m.to.text : '')
    const notice = mails.find((m) => toOf(m).toLowerCase() === admin.email.toLowerCase())
    const activation = mails.find((m) => toOf(m) === unknown.email)
    t.ok(activation, 'the new address got its activation mail')
    t.ok(notice, 'the registered address got a mail')
    if (!notice) return
    t.equal(notice.subject, 'You already have a Latchkey account')
    t.same(
      linksIn(notice),
      ['http://localhost:3000/login', 'http://localhost:3000/password/forgot'],
      'sign-in and forgotten password, each alone on its line',
    )
    t.notMatch(notice.text ?? '', '/activate', 'no activation link')
    t.notMatch(String(notice.html), 'token=')
    const pending = await app.db.selectFrom('signups').select('email').execute()
    t.same(pending, [{ email: unknown.email }], 'nothing stored for the registered address')
    t.same(await rowCounts(app), { users: 1, accounts: 1, memberships: 1, signups: 1 })
  },
)

t.test('neither answer waits for the mail server (a server that never answers)', async (t) => {
  const silent = await silentSmtpUrl(t) // accepts, never greets
  const { app } = await build(t, {
    signup: 'open',
    smtpUrl: silent,
    mailWaitMs: 20_000,
    mailRetryDelaysMs: [],
  })
  const admin = await seedFirstAdmin(app)
  for (const email of [admin.email, 'nobody-yet@example.com']) {
    const started = Date.now()
    const answer = await signUp(app, signupFields({ email }))
    t.equal(answer.statusCode, 200)
    t.ok(Date.now() - started < 10_000, `answered without the mail's 20 s wait (${Date.now() - started} ms)`)
  }
})

t.test('problems are shown on the form (400), with what was typed, and nothing is stored', async (t) => {
  const { app } = await build(t, { signup: 'open' })
  const cases: [Record<string, string>, RegExp][] = [
    [{ email: 'not-an-address' }, /email must be a valid email address/],
    [{ password: 'short' }, /at least 10 characters/],
    [{ name: '   ' }, /name must be 1 to 200 characters/],
    [{ account_name: '' }, /account_name must be 1 to 200 characters/],
    [{ account_name: 'x'.repeat(201) }, /account_name must be 1 to 200 characters/],
  ]
  for (const [override, problem] of cases) {
    const fields = signupFields(override)
    const answer = await signUp(app, fields)
    t.equal(answer.statusCode, 400, JSON.stringify(override))
    t.match(answer.body, problem)
    t.match(answer.body, 'role="alert"')
    t.match(answer.body, 'action="/signup"', 'the form again')
    if (fields.name.trim()) t.match(answer.body, `value="${fields.name}"`, 'the name as typed')
    t.notMatch(answer.body, fields.password, 'never the password')
  }
  const missing = await new Browser(app).post('/signup', {})
  t.equal(missing.statusCode, 400, 'an empty form')
  t.match(missing.body, 'role="alert"')
  t.same(await rowCounts(app), { users: 0, accounts: 0, memberships: 0, signups: 0 })
})

t.test('CSRF: POST /signup without a valid token is refused and changes nothing', async (t) => {
  const { app, mailbox } = await openSignupApp(t)
  const browser = new Browser(app)
  await browser.get('/signup')
  const fields = signupFields()
  const none = await postWithoutCsrf(browser, '/signup', fields)
  t.equal(none.statusCode, 403)
  const forged = await browser.post('/signup', { ...fields, _csrf: 'forged-token' })
  t.equal(forged.statusCode, 403)
  const stranger = await app.inject({
    method: 'POST',
    url: '/signup',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    payload: new URLSearchParams(fields).toString(),
  })
  t.equal(stranger.statusCode, 403, 'no cookie, no token')
  t.same(await rowCounts(app), { users: 0, accounts: 0, memberships: 0, signups: 0 })
  await app.mailer.settled()
  t.equal(mailbox.messages.length, 0, 'no mail')
})

t.test('XSS: names, account names and addresses are escaped on the pages and in the mail', async (t) => {
  const { app, mailbox } = await openSignupApp(t)
  // No whitespace, so it passes as an address too.
  const email = `${XSS}@example.com`
  const refused = await signUp(app, signupFields({ email, name: XSS, account_name: XSS, password: 'short' }))
  t.equal(refused.statusCode, 400)
  t.notMatch(refused.body, XSS, 'the form shown again escapes what was typed')
  t.match(refused.body, `value="${XSS_ESCAPED}"`)
  t.match(refused.body, `value="${XSS_ESCAPED}@example.com"`)

  const echoed = await signUp(app, signupFields({ email, name: XSS, account_name: XSS }))
  t.equal(echoed.statusCode, 200)
  t.notMatch(echoed.body, XSS)
  t.match(echoed.body, `${XSS_ESCAPED}@example.com`, 'the address escaped on "Check your email"')

  const fields = signupFields({ name: XSS, account_name: `${XSS} & Co` })
  await signUp(app, fields)
  let mail = await mailbox.next()
  while (mail.to && 'text' in mail.to && mail.to.text !== fields.email) mail = await mailbox.next()
  t.notMatch(String(mail.html), XSS, 'the HTML part escapes the name and account name')
  t.match(String(mail.html), XSS_ESCAPED)
  t.match(String(mail.html), `${XSS_ESCAPED} &amp; Co`)
  t.match(mail.text ?? '', `Hello ${XSS},`, 'the text part keeps them as typed')

  const browser = new Browser(app)
  t.equal((await browser.get(linkPath(mail, '/activate'))).statusCode, 303)
  const home = await browser.get('/')
  t.notMatch(home.body, XSS, 'the dashboard escapes them too')
  t.match(home.body, XSS_ESCAPED)
})

t.test(
  'throttling: past the limit per address or per IP, 429 with Retry-After and nothing sent',
  async (t) => {
    const { app, mailbox } = await openSignupApp(t, { loginMaxFailuresPerEmail: 2, loginMaxFailuresPerIp: 4 })
    const email = 'again@example.com'
    for (let i = 0; i < 2; i++) t.equal((await signUp(app, signupFields({ email }))).statusCode, 200)
    const third = await signUp(app, signupFields({ email: 'AGAIN@example.com' }))
    t.equal(third.statusCode, 429, 'the third sign-up for one address in the window')
    t.ok(Number(third.headers['retry-after']) > 0, 'with Retry-After')
    t.match(third.headers['content-type'], 'text/html', 'a page for browsers')
    t.match(third.body, 'Too many requests')

    // Other addresses from the same IP: two more pass (4 per IP), then 429.
    t.equal((await signUp(app, signupFields())).statusCode, 200)
    t.equal((await signUp(app, signupFields())).statusCode, 200)
    const overIp = await signUp(app, signupFields())
    t.equal(overIp.statusCode, 429, 'past the per-IP limit')
    t.ok(Number(overIp.headers['retry-after']) > 0)

    await app.mailer.settled()
    t.equal(mailbox.messages.length, 4, 'a mail only for the requests that passed')
    t.equal((await rowCounts(app)).signups, 3, 'the address signed up twice keeps only its newest link')
  },
)
