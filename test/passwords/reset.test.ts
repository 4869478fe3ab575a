import t from 'tap'
import { verifyPassword } from '../../src/security/passwords.js'
import { TestClock } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, PASSWORD, seedFirstAdmin, uniqueEmail } from '../helper.js'
import { linkPath, refusingSmtpUrl, startMailbox } from '../mailbox.js'
import { askForReset, auditActions, eventually, resetLinkCount, seedNamed } from './helpers.js'

// Few apps, many checks each: every build is a fresh database, the slow part of these tests.

const NEW_PASSWORD = 'a brand new passphrase'
const tokenOf = (path: string) => new URL(path, 'http://x').searchParams.get('token') ?? ''

t.test(`forgotten password, from the mail's link (${DATABASE_KIND})`, async (t) => {
  const mailbox = await startMailbox(t)
  const clock = new TestClock()
  const { app } = await build(t, { smtpUrl: mailbox.url, now: clock.now })
  const admin = await seedFirstAdmin(app)

  await t.test('known and unknown addresses get the same answer; only the known one gets mail', async (t) => {
    const login = await new Browser(app).get('/login')
    t.match(
      login.body,
      /<a href="\/password\/forgot">Forgot your password\?<\/a>/,
      'the login page links here',
    )
    const unknown = uniqueEmail('nobody')
    const a = await askForReset(app, unknown)
    const b = await askForReset(app, admin.email)
    t.equal(a.statusCode, 200)
    t.equal(a.statusCode, b.statusCode)
    t.match(b.body, 'Check your email')
    t.equal(a.body.replaceAll(unknown, 'ADDRESS'), b.body.replaceAll(admin.email, 'ADDRESS'), 'the same page')
    const mail = await mailbox.next()
    t.equal(mail.to && 'text' in mail.to ? mail.to.text : '', admin.email)
    await app.mailer.settled()
    t.equal(mailbox.messages.length, 1, 'nothing went to the unknown address')
  })

  await t.test('reset: the password changes, every session ends, the person is signed in', async (t) => {
    const elsewhere = await loginAs(app, admin)
    await askForReset(app, admin.email)
    const mail = await mailbox.next()
    t.equal(mail.subject, 'Reset your Latchkey password')
    t.match(mail.text ?? '', 'Hello Ada Admin')
    const link = linkPath(mail, '/password/reset')

    const browser = new Browser(app)
    const form = await browser.get(link)
    t.equal(form.statusCode, 200)
    t.match(form.body, /name="token" value="[A-Za-z0-9_-]{43}"/)
    const token = tokenOf(link)
    const short = await browser.post('/password/reset', { token, password: 'short' })
    t.equal(short.statusCode, 400, 'the password rules of /setup')
    t.match(short.body, 'password must be at least 10 characters')

    const done = await browser.post('/password/reset', { token, password: NEW_PASSWORD })
    t.equal(done.statusCode, 303)
    t.equal(done.headers.location, '/')
    t.equal((await browser.get('/')).statusCode, 200, 'signed in by the reset')
    const old = await elsewhere.get('/settings/profile')
    t.equal(old.statusCode, 303, 'the session from before the reset ended')
    t.match(old.headers.location, /^\/login/)

    const user = await app.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', admin.userId)
      .executeTakeFirstOrThrow()
    t.ok(await verifyPassword(user.password_hash, NEW_PASSWORD), 'the new password is set')
    t.notOk(await verifyPassword(user.password_hash, PASSWORD))

    const again = await new Browser(app).get(link)
    t.equal(again.statusCode, 410, 'single use')
    t.match(again.body, 'can no longer be used')
    const replay = await new Browser(app).post('/password/reset', {
      token,
      password: 'yet another passphrase',
    })
    t.equal(replay.statusCode, 410)
    const still = await app.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', admin.userId)
      .executeTakeFirstOrThrow()
    t.equal(still.password_hash, user.password_hash, 'a used link changes nothing')

    t.same(
      (await auditActions(app, admin.userId)).filter((a) => a.startsWith('password.')),
      ['password.reset_requested', 'password.reset_requested', 'password.reset'],
    )
    const inAccount = await app.db
      .selectFrom('audit_events')
      .select('action')
      .where('account_id', '=', admin.accountId)
      .where('action', '=', 'password.reset')
      .execute()
    t.equal(inAccount.length, 1, "the reset is in the account's log too")
    admin.password = NEW_PASSWORD
  })

  await t.test('a changed password voids the reset links mailed before it', async (t) => {
    await askForReset(app, admin.email)
    const link = linkPath(await mailbox.next(), '/password/reset')
    const browser = await loginAs(app, admin)
    const changed = await browser.post('/settings/profile/password', {
      current_password: admin.password,
      password: 'the third passphrase',
    })
    t.equal(changed.statusCode, 303)
    t.equal((await new Browser(app).get(link)).statusCode, 410)
  })

  await t.test('a disabled user gets the same answer and no link', async (t) => {
    const other = await seedNamed(app, 'Other')
    await app.db
      .updateTable('users')
      .set({ disabled_at: clock.now() })
      .where('id', '=', other.userId)
      .execute()
    t.equal((await askForReset(app, other.email)).statusCode, 200)
    await app.mailer.settled()
    await askForReset(app, admin.email)
    const mail = await mailbox.next()
    t.equal(mail.to && 'text' in mail.to ? mail.to.text : '', admin.email)
    t.equal(await resetLinkCount(app, other.userId), 0)
  })

  await t.test('names and addresses are escaped in pages and mails', async (t) => {
    const person = await seedNamed(app, '<img src=x onerror=alert(1)>')
    await askForReset(app, person.email)
    const mail = await mailbox.next()
    t.notMatch(String(mail.html), /<img src=x/)
    t.match(String(mail.html), '&lt;img src=x onerror=alert(1)&gt;')
    const page = await askForReset(app, '"><script>alert(1)</script>@example.com')
    t.equal(page.statusCode, 200)
    t.notMatch(page.body, '<script>alert(1)')
    t.match(page.body, '&lt;script&gt;')
  })

  await t.test('a link expires after 30 minutes; a newer link voids the older', async (t) => {
    // A new person: the admin's address has used up its requests for this window.
    const person = await seedNamed(app, 'Eve')
    await askForReset(app, person.email)
    const first = linkPath(await mailbox.next(), '/password/reset')
    await askForReset(app, person.email)
    const second = linkPath(await mailbox.next(), '/password/reset')
    t.equal((await new Browser(app).get(first)).statusCode, 410, 'the older link is void')
    t.equal((await new Browser(app).get(second)).statusCode, 200)
    clock.advance(29 * 60)
    t.equal((await new Browser(app).get(second)).statusCode, 200, 'still good at 29 minutes')
    clock.advance(2 * 60)
    const expired = new Browser(app)
    t.equal((await expired.get(second)).statusCode, 410, 'expired at 31 minutes')
    const refused = await expired.post('/password/reset', { token: tokenOf(second), password: NEW_PASSWORD })
    t.equal(refused.statusCode, 410)
    const unknown = await new Browser(app).get(`/password/reset?token=${'A'.repeat(43)}`)
    t.equal(unknown.statusCode, 404, 'a token that was never issued')
    t.equal((await new Browser(app).get('/password/reset?token=<x>')).statusCode, 404, 'a malformed token')
    t.equal((await new Browser(app).get('/password/reset')).statusCode, 404, 'no token')
  })
})

t.test('a failing mail server loses nothing: the same answer, the link stored', async (t) => {
  for (const kind of ['refused', '5xx'] as const) {
    const mailbox = kind === '5xx' ? await startMailbox(t, { reject: '5xx' }) : undefined
    const smtpUrl = mailbox?.url ?? (await refusingSmtpUrl())
    const { app } = await build(t, { smtpUrl, mailRetryDelaysMs: [] })
    const admin = await seedFirstAdmin(app)
    const known = await askForReset(app, admin.email)
    const unknownEmail = uniqueEmail('nobody')
    const unknown = await askForReset(app, unknownEmail)
    t.equal(known.statusCode, 200, kind)
    t.equal(
      known.body.replaceAll(admin.email, 'A'),
      unknown.body.replaceAll(unknownEmail, 'A'),
      `${kind}: the same page`,
    )
    await eventually(async () => (await resetLinkCount(app, admin.userId)) === 1)
    await app.mailer.settled()
    if (mailbox) t.equal(mailbox.refused, 1, 'the server refused the message')
    t.ok((await auditActions(app, admin.userId)).includes('password.reset_requested'))
  }
})

t.test('CSRF and throttling', async (t) => {
  const { app } = await build(t, { loginMaxFailuresPerEmail: 2, loginMaxFailuresPerIp: 4 })
  const admin = await seedFirstAdmin(app)
  for (const url of ['/password/forgot', '/password/reset']) {
    const response = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: new URLSearchParams({ email: admin.email, token: 'x', password: NEW_PASSWORD }).toString(),
    })
    t.equal(response.statusCode, 403, `${url} without a CSRF token`)
  }

  t.equal((await askForReset(app, admin.email)).statusCode, 200)
  t.equal((await askForReset(app, admin.email)).statusCode, 200, 'the second request reaches the limit')
  const third = await askForReset(app, admin.email)
  t.equal(third.statusCode, 429, 'past the limit per address')
  t.ok(Number(third.headers['retry-after']) > 0, 'with Retry-After')
  t.match(third.body, 'Too many requests')
  t.equal((await askForReset(app, uniqueEmail('other'))).statusCode, 200, 'another address is not held up')

  const browser = new Browser(app)
  const statuses: number[] = []
  for (let i = 0; i < 5; i++) {
    const r = await browser.post('/password/reset', { token: 'A'.repeat(43), password: NEW_PASSWORD })
    statuses.push(r.statusCode)
  }
  t.same(statuses, [404, 404, 404, 404, 429], 'resets with bad links: the limit per IP, then locked')
})
