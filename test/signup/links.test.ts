import t from 'tap'
import { addUserWithRole } from '../../src/users/service.js'
import { AUDIT, TestClock } from '../fixtures.js'
import { Browser, build, DATABASE_KIND } from '../helper.js'
import { linkPath } from '../mailbox.js'
import { openSignupApp, rowCounts, signUp, signupFields } from './helpers.js'

const HOUR = 3600

t.test(
  `a link works once: the second use (even a concurrent one) creates nothing (${DATABASE_KIND})`,
  async (t) => {
    const { app, mailbox } = await openSignupApp(t)
    await signUp(app, signupFields())
    const link = linkPath(await mailbox.next(), '/activate')
    const first = new Browser(app)
    t.equal((await first.get(link)).statusCode, 303)
    const again = await new Browser(app).get(link)
    t.equal(again.statusCode, 404, 'a used link is answered like an unknown one')
    t.match(again.body, 'This activation link is not valid')
    t.match(again.body, 'used already')
    t.notOk(again.headers['set-cookie']?.toString().includes('lk_session'), 'no session for the second use')
    t.same(await rowCounts(app), { users: 1, accounts: 1, memberships: 1, signups: 0 })

    await signUp(app, signupFields())
    const racing = linkPath(await mailbox.next(), '/activate')
    const answers = await Promise.all([new Browser(app).get(racing), new Browser(app).get(racing)])
    t.same(answers.map((a) => a.statusCode).sort(), [303, 404], 'one of two concurrent uses wins')
    t.same(await rowCounts(app), { users: 2, accounts: 2, memberships: 2, signups: 0 })
    const audit = await app.db
      .selectFrom('audit_events')
      .select('action')
      .where('action', '=', 'signup.activated')
      .execute()
    t.equal(audit.length, 2, 'one signup.activated per activation')
  },
)

t.test('a link expires after 24 hours: a clear page, sign up again, nothing created', async (t) => {
  const clock = new TestClock()
  const { app, mailbox } = await openSignupApp(t, { now: clock.now })
  await signUp(app, signupFields())
  const early = linkPath(await mailbox.next(), '/activate')
  await signUp(app, signupFields())
  const late = linkPath(await mailbox.next(), '/activate')

  clock.advance(24 * HOUR - 60)
  t.equal((await new Browser(app).get(early)).statusCode, 303, 'a minute before the 24 hours are up it works')

  clock.advance(120)
  const expired = await new Browser(app).get(late)
  t.equal(expired.statusCode, 410)
  t.match(expired.body, 'This activation link has expired')
  t.match(expired.body, '<a href="/signup">Sign up again</a>')
  t.same(
    await rowCounts(app),
    { users: 1, accounts: 1, memberships: 1, signups: 1 },
    'nothing created or used',
  )
  t.equal((await new Browser(app).get(late)).statusCode, 410, 'and again: still expired')

  // Housekeeping keeps an expired sign-up a week (the link still says "expired"), then deletes it.
  t.equal((await app.housekeeping.run()).signups, 0)
  clock.advance(7 * 24 * HOUR)
  t.equal((await app.housekeeping.run()).signups, 1, 'swept a week after it expired')
  t.equal((await rowCounts(app)).signups, 0)
  t.equal((await new Browser(app).get(late)).statusCode, 404, 'now an unknown link')
})

t.test('a newer sign-up for the same address voids the older link', async (t) => {
  const { app, mailbox } = await openSignupApp(t)
  const fields = signupFields({ account_name: 'First try' })
  await signUp(app, fields)
  const older = linkPath(await mailbox.next(), '/activate')
  await signUp(app, { ...fields, email: fields.email.toUpperCase(), account_name: 'Second try' })
  const newer = linkPath(await mailbox.next(), '/activate')
  t.equal((await rowCounts(app)).signups, 1, 'one pending sign-up per address')
  const void_ = await new Browser(app).get(older)
  t.equal(void_.statusCode, 404, 'the replaced link is void')
  t.match(void_.body, 'replaced by a newer sign-up')
  t.equal((await rowCounts(app)).users, 0)
  t.equal((await new Browser(app).get(newer)).statusCode, 303)
  const account = await app.db.selectFrom('accounts').select('name').executeTakeFirstOrThrow()
  t.equal(account.name, 'Second try', 'the newest sign-up is the one activated')
})

t.test(
  'an address that got a user meanwhile (an invitation accepted): a clear page, nothing created',
  async (t) => {
    const { app, mailbox } = await openSignupApp(t)
    const fields = signupFields()
    await signUp(app, fields)
    const link = linkPath(await mailbox.next(), '/activate')
    await addUserWithRole(
      app.db,
      {
        email: fields.email,
        name: 'Invited',
        password: 'another long password',
        role: 'browse',
        account: { newAccountName: 'Elsewhere' },
      },
      AUDIT,
    )
    const before = await rowCounts(app)
    const answer = await new Browser(app).get(link)
    t.equal(answer.statusCode, 409)
    t.match(answer.body, 'This address already has an account')
    t.match(answer.body, 'href="/password/forgot"')
    t.notOk(answer.headers['set-cookie']?.toString().includes('lk_session'), 'not signed in')
    t.same(await rowCounts(app), before, 'no user, account or membership created')
    const audit = await app.db
      .selectFrom('audit_events')
      .select('action')
      .where('action', '=', 'signup.activated')
      .execute()
    t.equal(audit.length, 0)
  },
)

t.test('bad token shapes get the same "not valid" page, never a 500', async (t) => {
  const { app } = await build(t, { signup: 'open' })
  const browser = new Browser(app)
  const urls = [
    '/activate',
    '/activate?token=',
    '/activate?token=abc',
    `/activate?token=${'A'.repeat(43)}`,
    `/activate?token=${'A'.repeat(5000)}`,
    '/activate?token=a&token=b',
    '/activate?token[x]=1',
    '/activate?token=%00%ff%fe',
    `/activate?token=${encodeURIComponent("' OR 1=1 --")}`,
  ]
  for (const url of urls) {
    const answer = await browser.get(url)
    t.equal(answer.statusCode, 404, url)
    t.match(answer.body, 'This activation link is not valid', url)
  }
  t.same(await rowCounts(app), { users: 0, accounts: 0, memberships: 0, signups: 0 })
})
