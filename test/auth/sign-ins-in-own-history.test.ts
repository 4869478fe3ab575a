import t from 'tap'
import { XSS, XSS_ESCAPED } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'

// Issue 11, item 4: an admin who adds someone to their account must not watch
// that person sign in. Sign-in attempts go to the person's own history (audit
// events with no account); the sessions page shows them to the person.
t.test(`sign-ins are in the person's own history, not an account's log (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const person = await seedUser(app, 'browse', { accountId: admin.accountId })

  const wrong = new Browser(app)
  await wrong.get('/login')
  const failed = await wrong.post(
    '/login',
    { email: person.email, password: 'not the password' },
    { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Gecko/20100101 Firefox/133.0' },
  )
  t.equal(failed.statusCode, 401)
  const browser = await loginAs(app, person)

  const events = await app.db
    .selectFrom('audit_events')
    .select(['account_id', 'action', 'target_id'])
    .where('action', 'in', ['login.succeeded', 'login.failed'])
    .where('target_id', '=', String(person.userId))
    .orderBy('id')
    .execute()
  t.same(
    events,
    [
      { account_id: null, action: 'login.failed', target_id: String(person.userId) },
      { account_id: null, action: 'login.succeeded', target_id: String(person.userId) },
    ],
    'both attempts, with no account',
  )

  const adminBrowser = await loginAs(app, admin)
  const log = await adminBrowser.get('/settings/accounts/audit')
  t.equal(log.statusCode, 200)
  t.notMatch(log.body, 'login.succeeded', "the account's audit log has no sign-ins")
  t.notMatch(log.body, 'login.failed')

  const page = await browser.get('/settings/profile/sessions')
  t.equal(page.statusCode, 200)
  const history = page.body.slice(page.body.indexOf('Recent sign-ins'))
  t.match(history, 'Firefox on Windows', 'the failed attempt, with its browser')
  t.match(history, '>failed<')
  t.match(history, '>signed in<')
  t.match(history, '127.0.0.1')
  t.match(history, /\d{4}-\d\d-\d\d \d\d:\d\d UTC/)
  t.ok(history.indexOf('>signed in<') < history.indexOf('>failed<'), 'newest first')
  t.notMatch(history, admin.email, "nobody else's sign-ins")
  const adminPage = await adminBrowser.get('/settings/profile/sessions')
  const adminHistory = adminPage.body.slice(adminPage.body.indexOf('Recent sign-ins'))
  t.notMatch(adminHistory, 'Firefox on Windows', "the admin does not see the person's sign-ins")
})

t.test('the sign-in history escapes a hostile User-Agent', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const attacker = new Browser(app)
  await attacker.get('/login')
  await attacker.post('/login', { email: admin.email, password: 'guess' }, { 'user-agent': XSS })
  await app.db.updateTable('audit_events').set({ ip: XSS }).where('action', '=', 'login.failed').execute()
  const page = await (await loginAs(app, admin)).get('/settings/profile/sessions')
  t.equal(page.statusCode, 200)
  t.notMatch(page.body, XSS)
  t.match(page.body, XSS_ESCAPED, 'the stored IP is escaped')
})
