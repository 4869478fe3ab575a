import t from 'tap'
import { findUserByEmail } from '../../src/users/repo.js'
import { TestClock } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, seedFirstAdmin } from '../helper.js'
import { acceptAsNewPerson, inviteOnUsersPage, USERS } from './helpers.js'

const PASSWORD = 'a password of my own choosing'

t.test(`an invitation expires after 7 days (${DATABASE_KIND})`, async (t) => {
  const clock = new TestClock()
  const { app } = await build(t, { now: clock.now })
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const { link } = await inviteOnUsersPage(browser, 'late@example.com')
  clock.advance(7 * 24 * 3600 - 60)
  t.equal((await new Browser(app).get(link)).statusCode, 200, 'still valid just before 7 days')
  clock.advance(120)
  const expired = await new Browser(app).get(link)
  t.equal(expired.statusCode, 410)
  t.match(expired.body, 'This invitation has expired')
  const { response } = await acceptAsNewPerson(app, link, 'Late', PASSWORD).catch(async () => ({
    response: await new Browser(app).post('/invitations/accept', {
      token: new URL(link, 'http://x').searchParams.get('token') ?? '',
      name: 'Late',
      password: PASSWORD,
    }),
  }))
  t.equal(response.statusCode, 410, 'accepting an expired invitation is refused')
  t.equal(await findUserByEmail(app.db, 'late@example.com'), undefined, 'nothing created')
  const again = await loginAs(app, admin) // the admin's session ended during the week
  t.match((await again.get(USERS)).body, '(expired)', 'the admin sees it expired and can resend it')
})

t.test('resend makes a new link and voids the old one; cancel voids the link', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const first = await inviteOnUsersPage(browser, 'again@example.com', 'design')
  const invitation = await app.db.selectFrom('invitations').selectAll().executeTakeFirstOrThrow()
  const resent = await browser.post(`${USERS}/invitations/${invitation.id}/resend`, {})
  t.equal(resent.statusCode, 200)
  t.match(resent.body, 'again@example.com')
  const second = /id="invitation-link" readonly value="([^"]+)"/.exec(resent.body)?.[1] ?? ''
  t.not(second, '', 'the new link is shown')
  t.not(new URL(second).search, first.link, 'a different token')
  const old = await new Browser(app).get(first.link)
  t.equal(old.statusCode, 404, 'the old link is void (its hash is gone)')
  const renewed = await app.db.selectFrom('invitations').selectAll().executeTakeFirstOrThrow()
  t.ok(
    renewed.expires_at > invitation.expires_at || renewed.expires_at >= invitation.expires_at,
    'a new expiry',
  )

  // Inviting the same address again replaces the pending invitation (a resend, with the new role).
  const third = await inviteOnUsersPage(browser, 'AGAIN@example.com', 'publish')
  t.equal((await app.db.selectFrom('invitations').selectAll().execute()).length, 1, 'still one invitation')
  t.equal((await new Browser(app).get(new URL(second).pathname + new URL(second).search)).statusCode, 404)

  const cancelled = await browser.post(`${USERS}/invitations/${invitation.id}/cancel`, {})
  t.equal(cancelled.statusCode, 303)
  t.equal(cancelled.headers.location, `${USERS}?notice=cancelled`)
  const gone = await new Browser(app).get(third.link)
  t.equal(gone.statusCode, 410)
  t.match(gone.body, 'cancelled')
  const post = await new Browser(app).post('/invitations/accept', {
    token: new URL(third.link, 'http://x').searchParams.get('token') ?? '',
    name: 'Again',
    password: PASSWORD,
  })
  t.equal(post.statusCode, 410, 'a cancelled invitation creates nothing')
  t.equal(await findUserByEmail(app.db, 'again@example.com'), undefined)
  t.equal((await browser.post(`${USERS}/invitations/${invitation.id}/cancel`, {})).statusCode, 404, 'once')
  t.equal((await browser.post(`${USERS}/invitations/${invitation.id}/resend`, {})).statusCode, 404)

  const actions = await app.db
    .selectFrom('audit_events')
    .select('action')
    .where('account_id', '=', admin.accountId)
    .where('action', 'like', 'invitation.%')
    .orderBy('id')
    .execute()
  t.same(
    actions.map((a) => a.action),
    ['invitation.created', 'invitation.resent', 'invitation.resent', 'invitation.cancelled'],
  )
})

t.test('unknown and malformed links: 404, a clear page, nothing created', async (t) => {
  const { app } = await build(t)
  await seedFirstAdmin(app)
  for (const token of ['', 'short', 'A'.repeat(43), '<script>'.repeat(6)]) {
    const page = await new Browser(app).get(`/invitations/accept?token=${encodeURIComponent(token)}`)
    t.equal(page.statusCode, 404, `token ${JSON.stringify(token.slice(0, 10))}`)
    t.match(page.body, 'This invitation link is not valid')
    const post = await new Browser(app).post('/invitations/accept', { token, name: 'X', password: PASSWORD })
    t.equal(post.statusCode, 404)
  }
  t.equal((await app.db.selectFrom('users').select('id').execute()).length, 1, 'nobody was created')
})

t.test('another account’s invitation cannot be resent or cancelled', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app, 'A')
  const browser = await loginAs(app, admin)
  await inviteOnUsersPage(browser, 'someone@example.com')
  const invitation = await app.db.selectFrom('invitations').select('id').executeTakeFirstOrThrow()
  const { seedUser } = await import('../helper.js')
  const otherAdmin = await seedUser(app, 'admin', { newAccountName: 'B' })
  const other = await loginAs(app, otherAdmin)
  t.equal((await other.post(`${USERS}/invitations/${invitation.id}/cancel`, {})).statusCode, 404)
  t.equal((await other.post(`${USERS}/invitations/${invitation.id}/resend`, {})).statusCode, 404)
  t.notMatch((await other.get(USERS)).body, 'someone@example.com', 'not listed on another account')
})
