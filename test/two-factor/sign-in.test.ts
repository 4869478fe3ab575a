import t from 'tap'
import { sha256Hex } from '../../src/security/secrets.js'
import { TestClock } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, PASSWORD, seedFirstAdmin, seedUser } from '../helper.js'
import { actionsAbout, codeAt, enrol, toMidStep } from './helpers.js'

const TWO_FACTOR = '/login/two-factor'

// One app: the person enrols once, then signs in many ways. Each step moves the
// clock a step on, so a code accepted earlier is not a replay by accident.
t.test(`two-step sign-in (${DATABASE_KIND})`, async (t) => {
  const clock = new TestClock()
  toMidStep(clock)
  const { app } = await build(t, { now: clock.now })
  const admin = await seedFirstAdmin(app)
  const { secret, recoveryCodes } = await enrol(await loginAs(app, admin), clock)
  const challenges = () => app.db.selectFrom('sign_in_challenges').selectAll().execute()
  const sessionsOf = () =>
    app.db.selectFrom('sessions').select(['amr']).where('user_id', '=', admin.userId).execute()

  /** A browser that got the password right: half signed in. */
  async function halfSignedIn(next = '/'): Promise<Browser> {
    const browser = new Browser(app)
    await browser.get('/login')
    const answer = await browser.post('/login', { email: admin.email, password: PASSWORD, next })
    t.equal(answer.statusCode, 303)
    t.equal(answer.headers.location, TWO_FACTOR, 'a person with an authenticator app is asked for a code')
    t.match(String(answer.headers['set-cookie']), /lk_two_factor=[^;]+;.*HttpOnly/, 'in an httpOnly cookie')
    return browser
  }

  await t.test('the password alone starts no session; the code does', async (t) => {
    clock.advance(30)
    const sessionsBefore = (await sessionsOf()).length
    const browser = await halfSignedIn('/settings/profile/security')
    t.notOk(browser.cookies.has('lk_session'), 'no session cookie')
    t.equal((await sessionsOf()).length, sessionsBefore, 'no session row')
    const raw = browser.cookies.get('lk_two_factor') as string
    t.ok(raw, 'the challenge cookie')
    const rows = await challenges()
    t.equal(rows.length, 1)
    t.equal(rows[0]?.id_hash, sha256Hex(raw), 'only its hash is stored')
    t.equal(rows[0]?.purpose, 'two_factor')
    t.equal(rows[0]?.next_path, '/settings/profile/security')
    t.equal(
      (rows[0]?.expires_at.getTime() ?? 0) - (rows[0]?.created_at.getTime() ?? 0),
      5 * 60_000,
      'for 5 minutes',
    )

    const page = await browser.get(TWO_FACTOR)
    t.equal(page.statusCode, 200)
    t.match(page.body, 'name="code"')
    const wrong = await browser.post(TWO_FACTOR, { code: await codeAt(secret, new Date(0)) })
    t.equal(wrong.statusCode, 401)
    t.match(wrong.body, 'That code is not right.')
    t.ok((await actionsAbout(app, admin.userId)).includes('two_factor.failed'), 'audited')

    const right = await browser.post(TWO_FACTOR, { code: await codeAt(secret, clock.now()) })
    t.equal(right.statusCode, 303)
    t.equal(right.headers.location, '/settings/profile/security', 'on to where the person was going')
    t.ok(browser.cookies.has('lk_session'))
    t.notOk(browser.cookies.has('lk_two_factor'), 'the challenge cookie is cleared')
    t.same(await challenges(), [], 'and the challenge ended')
    t.equal((await sessionsOf()).at(-1)?.amr, 'pwd otp', 'the session says how it signed in')
    t.equal((await browser.get('/settings/profile/security')).statusCode, 200)

    const again = await halfSignedIn()
    const replay = await again.post(TWO_FACTOR, { code: await codeAt(secret, clock.now()) })
    t.equal(replay.statusCode, 401, 'the same code for a second sign-in: refused')

    const used = new Browser(app)
    used.cookies.set('lk_two_factor', raw)
    const spent = await used.post(TWO_FACTOR, { code: await codeAt(secret, clock.now()) })
    t.equal(spent.statusCode, 401, 'a finished challenge cannot be answered again')
    t.match(spent.body, 'Sign in again')
  })

  await t.test('the half-signed-in state opens nothing else', async (t) => {
    const half = await halfSignedIn()
    const anonymous = new Browser(app)
    const pages = app.routeList.filter(
      (route) =>
        route.method === 'GET' &&
        route.errorStyle === 'page' &&
        !route.url.includes(':') &&
        !route.url.includes('*') &&
        route.url !== TWO_FACTOR,
    )
    t.ok(pages.length > 15, 'every page without a path parameter')
    for (const { url } of pages) {
      const [as, none] = [await half.get(url), await anonymous.get(url)]
      t.same(
        [as.statusCode, as.headers.location],
        [none.statusCode, none.headers.location],
        `${url}: as for a visitor who never signed in`,
      )
      t.notOk(as.body.includes(admin.email), `${url}: nothing of the person`)
    }
    for (const url of ['/settings/profile', '/settings/accounts/apps', '/developers/tokens']) {
      t.match((await half.get(url)).headers.location, /^\/login/, `${url} sends to sign-in`)
    }
    const consent = await half.post('/authorize', { app: 1, account_id: 1, decision: 'allow' })
    t.equal(consent.statusCode, 303, 'no consent')
    t.equal(consent.headers.location, '/login')
    const cookie = `lk_two_factor=${half.cookies.get('lk_two_factor')}`
    for (const url of app.routeList.filter((r) => r.method === 'GET' && r.url.startsWith('/api/v1/'))) {
      const answer = await app.inject({
        method: 'GET',
        url: url.url.replace(/:\w+/g, '1'),
        headers: { cookie },
      })
      t.equal(answer.statusCode, 401, `${url.url}: 401`)
    }
  })

  await t.test('wrong codes: five void the challenge, and they count like passwords', async (t) => {
    clock.advance(16 * 60) // the earlier wrong codes are out of the 15-minute throttle window
    const browser = await halfSignedIn()
    const idHash = sha256Hex(browser.cookies.get('lk_two_factor') as string)
    for (let i = 1; i <= 4; i++) {
      t.equal((await browser.post(TWO_FACTOR, { code: `00000${i}` })).statusCode, 401)
    }
    const fifth = await browser.post(TWO_FACTOR, { code: '000005' })
    t.equal(fifth.statusCode, 401)
    t.match(fifth.body, 'Too many wrong codes. Sign in again.')
    t.notOk(
      (await challenges()).some((row) => row.id_hash === idHash),
      'the challenge is void',
    )
    t.equal(
      (await browser.post(TWO_FACTOR, { code: await codeAt(secret, clock.now()) })).statusCode,
      401,
      'the right code no longer helps',
    )

    const next = await halfSignedIn()
    const locked = await next.post(TWO_FACTOR, { code: await codeAt(secret, clock.now()) })
    t.equal(locked.statusCode, 429, 'five wrong codes lock the person out, like five wrong passwords')
    t.ok(Number(locked.headers['retry-after']) > 0, 'with Retry-After')

    clock.advance(16 * 60) // past the 15-minute lockout; the challenge (5 minutes) is gone too
    const expired = await next.post(TWO_FACTOR, { code: await codeAt(secret, clock.now()) })
    t.equal(expired.statusCode, 401, 'an expired challenge cannot be answered')
    t.match(expired.body, 'took too long')
    t.equal((await next.get(TWO_FACTOR)).headers.location, '/login')
    t.ok((await app.housekeeping.run()).sign_in_challenges >= 1, 'housekeeping deletes expired challenges')
    t.same(await challenges(), [], 'every one of them')

    const after = await halfSignedIn()
    t.equal((await after.post(TWO_FACTOR, { code: await codeAt(secret, clock.now()) })).statusCode, 303)
  })

  await t.test('a recovery code signs in once', async (t) => {
    const code = recoveryCodes[0] as string
    const browser = await halfSignedIn()
    t.equal((await browser.post(TWO_FACTOR, { code })).statusCode, 303)
    t.equal((await sessionsOf()).at(-1)?.amr, 'pwd otp')
    const again = await halfSignedIn()
    t.equal((await again.post(TWO_FACTOR, { code })).statusCode, 401, 'not twice')
  })

  await t.test('without an authenticator app, the password is enough', async (t) => {
    const other = await seedUser(app, 'browse', { newAccountName: 'Other' })
    const browser = await loginAs(app, other)
    t.ok(browser.cookies.has('lk_session'))
    t.notOk(browser.cookies.has('lk_two_factor'))
  })
})
