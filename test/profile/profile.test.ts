import type { ParsedMail } from 'mailparser'
import t from 'tap'
import { hashPassword, verifyPassword } from '../../src/security/passwords.js'
import { insertUser } from '../../src/users/repo.js'
import { TestClock } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, PASSWORD, uniqueEmail } from '../helper.js'
import { linkPath, startMailbox } from '../mailbox.js'
import { auditActions, seedNamed } from '../passwords/helpers.js'

const NEW_PASSWORD = 'a brand new passphrase'
const CONFIRM = '/settings/profile/email/confirm'

const recipient = (mail: ParsedMail) => (mail.to && 'text' in mail.to ? mail.to.text : '')

/** The confirmation (to the new address) and the notice (to the old one), in either order. */
async function emailChangeMails(mailbox: Awaited<ReturnType<typeof startMailbox>>, newEmail: string) {
  const mails = [await mailbox.next(), await mailbox.next()]
  const confirm = mails.find((m) => recipient(m) === newEmail)
  const notice = mails.find((m) => recipient(m) !== newEmail)
  if (!confirm || !notice) throw new Error('expected a confirmation and a notice')
  return { confirm, notice }
}

// Two apps, many checks each: every build is a fresh database, the slow part of these tests.

t.test(`profile page and password change (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)

  await t.test(
    `the profile page: any signed-in user, even one with no account (${DATABASE_KIND})`,
    async (t) => {
      const admin = await seedNamed(app, 'Ada Admin')
      const page = await (await loginAs(app, admin)).get('/settings/profile')
      t.equal(page.statusCode, 200)
      t.match(page.body, admin.email)
      t.match(page.body, 'Ada Admin')
      t.match(page.body, 'name="current_password"')
      t.match(page.body, 'href="/settings/profile/sessions"', 'the profile tabs')
      const anonymous = await new Browser(app).get('/settings/profile')
      t.equal(anonymous.statusCode, 303)
      t.match(anonymous.headers.location, /^\/login\?next=/)

      const loner = { email: uniqueEmail('loner'), password: PASSWORD }
      await insertUser(app.db, {
        email: loner.email,
        name: 'Lone',
        passwordHash: await hashPassword(PASSWORD),
      })
      const browser = new Browser(app)
      await browser.login(loner.email)
      t.equal((await browser.get('/settings/profile')).statusCode, 200, 'a user with no account')
    },
  )

  await t.test(
    'change password: the current one is checked, other sessions end, this one stays',
    async (t) => {
      const admin = await seedNamed(app, 'Ada Admin')
      const here = await loginAs(app, admin)
      const elsewhere = await loginAs(app, admin)

      const wrong = await here.post('/settings/profile/password', {
        current_password: 'not it at all',
        password: NEW_PASSWORD,
      })
      t.equal(wrong.statusCode, 400)
      t.match(wrong.body, 'Your current password is not right.')
      const counted = await app.db
        .selectFrom('login_throttle')
        .select('failures')
        .where('key', '=', `email:${admin.email.toLowerCase()}`)
        .executeTakeFirst()
      t.equal(counted?.failures, 1, 'counted by the sign-in throttle of the address')

      const short = await here.post('/settings/profile/password', {
        current_password: PASSWORD,
        password: 'short',
      })
      t.equal(short.statusCode, 400)
      t.match(short.body, 'password must be at least 10 characters')

      const done = await here.post('/settings/profile/password', {
        current_password: PASSWORD,
        password: NEW_PASSWORD,
      })
      t.equal(done.statusCode, 303)
      t.equal(done.headers.location, '/settings/profile?notice=password_changed')
      const after = await here.get('/settings/profile?notice=password_changed')
      t.equal(after.statusCode, 200, 'this session stays')
      t.match(after.body, 'Your password is changed')
      t.equal((await elsewhere.get('/settings/profile')).statusCode, 303, 'the other session ended')
      const user = await app.db
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', admin.userId)
        .executeTakeFirstOrThrow()
      t.ok(await verifyPassword(user.password_hash, NEW_PASSWORD))
      t.ok((await auditActions(app, admin.userId)).includes('password.changed'))
    },
  )

  await t.test('wrong current passwords past the sign-in limit: 429', async (t) => {
    const admin = await seedNamed(app, 'Ada Admin')
    const browser = await loginAs(app, admin)
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      const r = await browser.post('/settings/profile/password', {
        current_password: 'wrong wrong',
        password: NEW_PASSWORD,
      })
      statuses.push(r.statusCode)
    }
    t.same(statuses, [400, 400, 400, 400, 400, 429], 'the sign-in limit of the address (5)')
    const right = await browser.post('/settings/profile/password', {
      current_password: PASSWORD,
      password: NEW_PASSWORD,
    })
    t.equal(right.statusCode, 429, 'even the right password waits out the lockout')
  })

  await t.test('CSRF: the profile forms refuse a request without the token', async (t) => {
    const admin = await seedNamed(app, 'Ada Admin')
    const browser = await loginAs(app, admin)
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    for (const url of ['/settings/profile/password', '/settings/profile/email']) {
      const response = await app.inject({
        method: 'POST',
        url,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        payload: new URLSearchParams({
          current_password: PASSWORD,
          password: NEW_PASSWORD,
          email: uniqueEmail(),
        }).toString(),
      })
      t.equal(response.statusCode, 403, url)
    }
    const user = await app.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', admin.userId)
      .executeTakeFirstOrThrow()
    t.ok(await verifyPassword(user.password_hash, PASSWORD), 'nothing changed')
  })
})

t.test(`email change (${DATABASE_KIND})`, async (t) => {
  const mailbox = await startMailbox(t)
  const clock = new TestClock()
  const { app } = await build(t, { smtpUrl: mailbox.url, now: clock.now })

  await t.test(
    'change email: a link to the new address, a notice to the old, the change when followed',
    async (t) => {
      const admin = await seedNamed(app, 'Ada Admin')
      const browser = await loginAs(app, admin)
      const newEmail = uniqueEmail('new')

      const wrong = await browser.post('/settings/profile/email', {
        email: newEmail,
        current_password: 'nope nope nope',
      })
      t.equal(wrong.statusCode, 400)
      t.match(wrong.body, 'Your current password is not right.')
      t.match(wrong.body, `value="${newEmail}"`, 'the form keeps the address typed')
      const same = await browser.post('/settings/profile/email', {
        email: admin.email,
        current_password: PASSWORD,
      })
      t.equal(same.statusCode, 400)

      const asked = await browser.post('/settings/profile/email', {
        email: newEmail,
        current_password: PASSWORD,
      })
      t.equal(asked.statusCode, 303)
      t.equal(asked.headers.location, '/settings/profile?notice=email_sent')
      const { confirm, notice } = await emailChangeMails(mailbox, newEmail)
      t.equal(recipient(notice), admin.email, 'the notice goes to the old address')
      t.match(notice.text ?? '', newEmail)
      t.match(notice.text ?? '', /^http:\/\/localhost:3000\/password\/forgot$/m)
      const link = linkPath(confirm, CONFIRM)
      t.equal(
        (
          await app.db
            .selectFrom('users')
            .select('email')
            .where('id', '=', admin.userId)
            .executeTakeFirstOrThrow()
        ).email,
        admin.email,
        'nothing changes before the link is followed',
      )

      const followed = await new Browser(app).get(link)
      t.equal(followed.statusCode, 200)
      t.match(followed.body, newEmail)
      const row = await app.db
        .selectFrom('users')
        .select('email')
        .where('id', '=', admin.userId)
        .executeTakeFirstOrThrow()
      t.equal(row.email, newEmail)
      await new Browser(app).login(newEmail)
      t.equal((await new Browser(app).get(link)).statusCode, 410, 'single use')
      t.same(
        (await auditActions(app, admin.userId)).filter((a) => a.startsWith('email.')),
        ['email.change_requested', 'email.changed'],
      )
    },
  )

  await t.test(
    'an address taken by someone else: the same answer, and the link says so without changing anything',
    async (t) => {
      const admin = await seedNamed(app, 'Ada Admin')
      const other = await seedNamed(app, 'Other')
      const browser = await loginAs(app, admin)
      const free = await browser.post('/settings/profile/email', {
        email: uniqueEmail('free'),
        current_password: PASSWORD,
      })
      await mailbox.next()
      await mailbox.next()
      const taken = await browser.post('/settings/profile/email', {
        email: other.email,
        current_password: PASSWORD,
      })
      t.equal(taken.statusCode, free.statusCode)
      t.equal(taken.headers.location, free.headers.location, 'the same answer')
      const { confirm } = await emailChangeMails(mailbox, other.email)
      const refused = await new Browser(app).get(linkPath(confirm, CONFIRM))
      t.equal(refused.statusCode, 409)
      t.match(refused.body, 'now belongs to another Latchkey account')
      const row = await app.db
        .selectFrom('users')
        .select('email')
        .where('id', '=', admin.userId)
        .executeTakeFirstOrThrow()
      t.equal(row.email, admin.email, 'nothing changed')
    },
  )

  await t.test('names and addresses are escaped in the page and the mails', async (t) => {
    const person = await seedNamed(app, '<script>alert(1)</script>')
    const browser = await loginAs(app, person)
    const page = await browser.get('/settings/profile')
    t.notMatch(page.body, '<script>alert(1)')
    t.match(page.body, '&lt;script&gt;alert(1)&lt;/script&gt;')
    // An address a mail server accepts, with characters HTML must escape.
    const odd = `o'brien&co.${Date.now()}@example.com`
    const asked = await browser.post('/settings/profile/email', { email: odd, current_password: PASSWORD })
    t.equal(asked.statusCode, 303)
    const { confirm, notice } = await emailChangeMails(mailbox, odd)
    for (const mail of [confirm, notice]) {
      t.notMatch(String(mail.html), '<script>alert(1)', 'the name is escaped')
      t.match(String(mail.html), '&lt;script&gt;')
      t.notMatch(String(mail.html), "o'brien&co", 'the address is escaped')
    }
    // An address no mail server would take is still echoed on the form, escaped.
    const evil = '<img/src=x/onerror=alert(1)>@example.com'
    const problem = await browser.post('/settings/profile/email', {
      email: evil,
      current_password: 'wrong wrong',
    })
    t.notMatch(problem.body, /<img\/src=x/, 'the address echoed on the form is escaped')
  })

  await t.test('email links expire after 24 hours; a newer one voids the older', async (t) => {
    const admin = await seedNamed(app, 'Ada Admin')
    const browser = await loginAs(app, admin)
    const first = uniqueEmail('first')
    await browser.post('/settings/profile/email', { email: first, current_password: PASSWORD })
    const firstLink = linkPath((await emailChangeMails(mailbox, first)).confirm, CONFIRM)
    const second = uniqueEmail('second')
    await browser.post('/settings/profile/email', { email: second, current_password: PASSWORD })
    const secondLink = linkPath((await emailChangeMails(mailbox, second)).confirm, CONFIRM)
    t.equal((await new Browser(app).get(firstLink)).statusCode, 410, 'voided by the newer link')
    clock.advance(24 * 3600 + 60)
    t.equal((await new Browser(app).get(secondLink)).statusCode, 410, 'expired')
    const row = await app.db
      .selectFrom('users')
      .select('email')
      .where('id', '=', admin.userId)
      .executeTakeFirstOrThrow()
    t.equal(row.email, admin.email)
    t.equal((await new Browser(app).get(`${CONFIRM}?token=${'B'.repeat(43)}`)).statusCode, 404)
  })
})
