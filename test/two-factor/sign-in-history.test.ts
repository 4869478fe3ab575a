import t from 'tap'
import { TestClock } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, PASSWORD, seedFirstAdmin } from '../helper.js'
import { codeAt, enrol, toMidStep } from './helpers.js'

// CONTRACT 9: with an authenticator app, the password alone is not a sign-in. The
// person's "Recent sign-ins" says "signed in" once the code is right, and lists
// the wrong codes.
t.test(`sign-in history with a second step (${DATABASE_KIND})`, async (t) => {
  const clock = new TestClock()
  toMidStep(clock)
  const { app } = await build(t, { now: clock.now })
  const admin = await seedFirstAdmin(app)
  const own = await loginAs(app, admin)
  const { secret } = await enrol(own, clock)
  const history = async () => {
    const page = await own.get('/settings/profile/sessions')
    const table = page.body.slice(page.body.indexOf('Recent sign-ins'))
    return [...table.matchAll(/data-label="Result">([^<]*)</g)].map((m) => m[1])
  }
  const before = await history()
  t.same(before, ['signed in'], 'the sign-in of the test (before the app was set up)')

  clock.advance(30)
  const browser = new Browser(app)
  await browser.get('/login')
  const password = await browser.post('/login', { email: admin.email, password: PASSWORD })
  t.equal(password.headers.location, '/login/two-factor', 'the code comes next')
  t.same(await history(), before, 'the password alone is no "signed in"')

  const wrong = await browser.post('/login/two-factor', { code: await codeAt(secret, new Date(0)) })
  t.equal(wrong.statusCode, 401)
  t.same(await history(), ['wrong code', ...before], 'the wrong code is listed')

  const right = await browser.post('/login/two-factor', { code: await codeAt(secret, clock.now()) })
  t.equal(right.statusCode, 303)
  t.same(await history(), ['signed in', 'wrong code', ...before], 'after the code: one "signed in"')
  const event = await app.db
    .selectFrom('audit_events')
    .select(['amr', 'account_id'])
    .where('action', '=', 'login.succeeded')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow()
  t.same(event, { amr: 'pwd otp', account_id: null }, 'in the person’s own history, with how they signed in')
})
