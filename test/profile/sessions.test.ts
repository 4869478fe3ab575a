import t from 'tap'
import { postWithoutCsrf, XSS, XSS_ESCAPED } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'

const SESSIONS = '/settings/profile/sessions'
const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0'

/** A browser signed in as `seeded` that sends `userAgent` with every request. */
async function signedInWith(
  app: Parameters<typeof loginAs>[0],
  seeded: Parameters<typeof loginAs>[1],
  userAgent: string,
): Promise<Browser> {
  const browser = new Browser(app)
  await browser.get('/login', { 'user-agent': userAgent })
  const response = await browser.post(
    '/login',
    { email: seeded.email, password: seeded.password },
    { 'user-agent': userAgent },
  )
  if (response.statusCode !== 303) throw new Error(`login failed: ${response.statusCode}`)
  return browser
}

/** The public session ids in the page's revoke forms, in page order. */
function sessionIds(body: string): number[] {
  return [...body.matchAll(/sessions\/(\d+)\/revoke/g)].map((m) => Number(m[1]))
}

async function sessionIdOf(app: Parameters<typeof loginAs>[0], userId: number, userAgent: string) {
  const row = await app.db
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', userId)
    .where('user_agent', '=', userAgent)
    .executeTakeFirstOrThrow()
  return row.id
}

t.test(
  `sessions page: lists live sessions with browser, IP, times; the current one marked (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const admin = await seedFirstAdmin(app)
    const laptop = await signedInWith(app, admin, CHROME_LINUX)
    await signedInWith(app, admin, FIREFOX_WINDOWS)

    const page = await laptop.get(SESSIONS)
    t.equal(page.statusCode, 200)
    t.equal(page.headers['cache-control'], 'no-store')
    t.match(page.body, 'Chrome on Linux')
    t.match(page.body, 'Firefox on Windows')
    t.match(page.body, '127.0.0.1')
    t.match(page.body, /\d{4}-\d\d-\d\d \d\d:\d\d UTC/, 'times')
    t.equal(sessionIds(page.body).length, 2, 'two sessions')
    const currentRow = /<tr aria-current="true">[\s\S]*?<\/tr>/.exec(page.body)?.[0] ?? ''
    t.match(currentRow, 'Chrome on Linux', 'the current session is the Chrome one')
    t.match(currentRow, '(this browser)')
    t.equal((page.body.match(/aria-current="true"/g) ?? []).length, 1, 'exactly one is current')
    t.notMatch(page.body, /[0-9a-f]{64}/, 'no session id hash on the page')
    t.match(page.body, 'Recent sign-ins')

    const anonymous = await new Browser(app).get(SESSIONS)
    t.equal(anonymous.statusCode, 303, 'anonymous visitors are sent to sign in')
    t.match(anonymous.headers.location, '/login?next=')
  },
)

t.test('sessions page: the User-Agent is escaped (XSS)', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const evil = `${XSS} Chrome/1.0 ${XSS}`
  await signedInWith(app, admin, evil)
  const viewer = await signedInWith(app, admin, `${XSS}"><img src=x onerror=alert(1)>`)
  const page = await viewer.get(SESSIONS)
  t.equal(page.statusCode, 200)
  t.notMatch(page.body, XSS)
  t.notMatch(page.body, '<img src=x')
  t.match(page.body, 'Chrome', 'the readable form of the hostile agent')
  // The IP column is shown too: hostile text stored there is escaped as well.
  await app.db.updateTable('sessions').set({ ip: XSS }).where('user_id', '=', admin.userId).execute()
  const again = await viewer.get(SESSIONS)
  t.notMatch(again.body, XSS)
  t.match(again.body, XSS_ESCAPED, 'IP escaped')
})

t.test(
  `revoking one of my sessions signs that browser out; another user's id is 404 and stays (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const admin = await seedFirstAdmin(app)
    const other = await seedUser(app, 'browse', { accountId: admin.accountId })
    const laptop = await signedInWith(app, admin, CHROME_LINUX)
    const phone = await signedInWith(app, admin, FIREFOX_WINDOWS)
    const stranger = await signedInWith(app, other, FIREFOX_WINDOWS)
    const strangerSession = await sessionIdOf(app, other.userId, FIREFOX_WINDOWS)

    const refused = await laptop.post(`${SESSIONS}/${strangerSession}/revoke`, {})
    t.equal(refused.statusCode, 404, "another user's session is not found")
    t.equal((await stranger.get(SESSIONS)).statusCode, 200, "the other user's session still works")
    t.equal((await laptop.post(`${SESSIONS}/99999999/revoke`, {})).statusCode, 404, 'unknown id')
    t.equal((await laptop.post(`${SESSIONS}/abc/revoke`, {})).statusCode, 400, 'not a number')

    const phoneSession = await sessionIdOf(app, admin.userId, FIREFOX_WINDOWS)
    const revoked = await laptop.post(`${SESSIONS}/${phoneSession}/revoke`, {})
    t.equal(revoked.statusCode, 303)
    t.equal(revoked.headers.location, `${SESSIONS}?notice=revoked`)
    t.match((await laptop.get(`${SESSIONS}?notice=revoked`)).body, 'The session was ended')
    const phoneNow = await phone.get(SESSIONS)
    t.equal(phoneNow.statusCode, 303, 'the revoked browser is signed out')
    t.equal((await laptop.get(SESSIONS)).statusCode, 200, 'the laptop is still signed in')
    t.equal((await laptop.post(`${SESSIONS}/${phoneSession}/revoke`, {})).statusCode, 404, 'already gone')

    const events = await app.db
      .selectFrom('audit_events')
      .select(['account_id', 'action', 'target_id', 'details', 'actor_user_id'])
      .where('action', '=', 'session.revoked')
      .orderBy('id')
      .execute()
    t.same(
      events.map((e) => [e.account_id, e.target_id, e.actor_user_id]),
      [
        [null, String(admin.userId), admin.userId],
        [admin.accountId, String(admin.userId), admin.userId],
      ],
      "in the person's own history and the log of their account, once",
    )
    t.same(events[0]?.details, { session_id: phoneSession })
  },
)

t.test('revoking the current session signs out', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const laptop = await signedInWith(app, admin, CHROME_LINUX)
  const own = await sessionIdOf(app, admin.userId, CHROME_LINUX)
  const response = await laptop.post(`${SESSIONS}/${own}/revoke`, {})
  t.equal(response.statusCode, 303)
  t.equal(response.headers.location, '/login')
  t.notOk(laptop.cookies.has('lk_session'), 'the cookie is cleared')
  const count = await app.db.selectFrom('sessions').select('id').where('user_id', '=', admin.userId).execute()
  t.equal(count.length, 0, 'the session row is gone')
})

t.test(`revoke-others keeps the current session and ends every other (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const other = await seedUser(app, 'browse', { accountId: admin.accountId })
  const laptop = await signedInWith(app, admin, CHROME_LINUX)
  const phone = await signedInWith(app, admin, FIREFOX_WINDOWS)
  const tablet = await loginAs(app, admin)
  const stranger = await loginAs(app, other)

  const response = await laptop.post(`${SESSIONS}/revoke-others`, {})
  t.equal(response.statusCode, 303)
  t.equal(response.headers.location, `${SESSIONS}?notice=revoked_others`)
  const page = await laptop.get(`${SESSIONS}?notice=revoked_others`)
  t.equal(page.statusCode, 200, 'the current session survives')
  t.match(page.body, 'Every other session was ended')
  t.equal(sessionIds(page.body).length, 1, 'only the current session is listed')
  t.equal((await phone.get(SESSIONS)).statusCode, 303)
  t.equal((await tablet.get(SESSIONS)).statusCode, 303)
  t.equal((await stranger.get(SESSIONS)).statusCode, 200, "another user's sessions are untouched")
  const event = await app.db
    .selectFrom('audit_events')
    .select(['details'])
    .where('action', '=', 'session.revoked_others')
    .where('account_id', 'is', null)
    .executeTakeFirstOrThrow()
  t.same(event.details, { sessions_ended: 2 })
})

t.test('the sessions forms refuse a missing or forged CSRF token and change nothing', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const laptop = await signedInWith(app, admin, CHROME_LINUX)
  const phone = await signedInWith(app, admin, FIREFOX_WINDOWS)
  const phoneSession = await sessionIdOf(app, admin.userId, FIREFOX_WINDOWS)
  const own = await sessionIdOf(app, admin.userId, CHROME_LINUX)
  for (const url of [
    `${SESSIONS}/${phoneSession}/revoke`,
    `${SESSIONS}/${own}/revoke`,
    `${SESSIONS}/revoke-others`,
  ]) {
    t.equal((await postWithoutCsrf(laptop, url)).statusCode, 403, `${url} without a token`)
    t.equal((await postWithoutCsrf(laptop, url, { _csrf: 'forged' })).statusCode, 403, `${url} forged`)
  }
  t.equal((await phone.get(SESSIONS)).statusCode, 200, 'the other session lives')
  t.equal((await laptop.get(SESSIONS)).statusCode, 200, 'the current session lives')
})

t.test('a person with no account can see and end their sessions', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const laptop = await signedInWith(app, admin, CHROME_LINUX)
  await app.db.deleteFrom('memberships').where('user_id', '=', admin.userId).execute()
  const page = await laptop.get(SESSIONS)
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Chrome on Linux')
})
