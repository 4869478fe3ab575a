import t from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { invite } from '../../src/invitations/admin.js'
import { findDirectMembership } from '../../src/members/repo.js'
import { addUserWithRole } from '../../src/users/service.js'
import { AUDIT, ROLES, XSS, XSS_ESCAPED } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'

const USERS = '/settings/accounts/users'

t.test(`users page: only admins may see it or change anything (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const victim = await seedUser(app, 'browse', { accountId: admin.accountId })
  const pending = await invite(
    app.db,
    { accountId: admin.accountId, actorUserId: admin.userId, email: 'pending@example.com', role: 'browse' },
    AUDIT,
  )
  for (const role of ROLES) {
    const seeded = role === 'admin' ? admin : await seedUser(app, role, { accountId: admin.accountId })
    const browser = await loginAs(app, seeded)
    const page = await browser.get(USERS)
    const add = await browser.post(USERS, { email: `new-${role}@example.com`, role: 'browse' })
    const change = await browser.post(`${USERS}/${victim.userId}/role`, { role: 'design' })
    if (role !== 'admin') {
      for (const [what, response] of Object.entries({ page, add, change })) {
        t.equal(response.statusCode, 403, `${role}: ${what} refused`)
        t.match(response.body, 'Only Admin users can manage users.')
      }
      const remove = await browser.post(`${USERS}/${victim.userId}/remove`, {})
      t.equal(remove.statusCode, 403, `${role}: remove refused`)
      t.equal(
        (await browser.post(`${USERS}/invitations/${pending.invitation.id}/cancel`, {})).statusCode,
        403,
        `${role}: cancelling an invitation refused`,
      )
      t.equal(
        (await browser.post(`${USERS}/invitations/${pending.invitation.id}/resend`, {})).statusCode,
        403,
        `${role}: resending refused`,
      )
      t.ok(await findDirectMembership(app.db, admin.accountId, victim.userId), 'still a member')
      continue
    }
    t.equal(page.statusCode, 200)
    t.match(page.body, victim.email)
    t.equal(add.statusCode, 200, 'admin invites')
    t.match(add.body, 'new-admin@example.com')
    t.equal(change.statusCode, 303, 'admin changes a role')
    t.equal((await findDirectMembership(app.db, admin.accountId, victim.userId))?.role, 'design')
    const remove = await browser.post(`${USERS}/${victim.userId}/remove`, {})
    t.equal(remove.statusCode, 303, 'admin removes')
    t.notOk(await findDirectMembership(app.db, admin.accountId, victim.userId))
    t.match((await browser.get(`${USERS}?notice=removed`)).body, 'The member was removed.')
    t.equal(
      (await app.db.selectFrom('invitations').select('email').where('email', 'like', 'new-%').execute())
        .length,
      1,
      'only the admin’s invitation was made',
    )
  }
  const anonymous = await new Browser(app).get(USERS)
  t.equal(anonymous.statusCode, 303, 'anonymous visitors are sent to sign in')
  t.match(anonymous.headers.location, /^\/login\?next=/)
})

t.test('users page: CSRF is refused on every form', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const member = await seedUser(app, 'design', { accountId: admin.accountId })
  const pending = await invite(
    app.db,
    { accountId: admin.accountId, actorUserId: admin.userId, email: 'pending@example.com', role: 'browse' },
    AUDIT,
  )
  const browser = await loginAs(app, admin)
  const forms: [string, Record<string, string>][] = [
    [USERS, { email: 'csrf@example.com', role: 'admin' }],
    [`${USERS}/${member.userId}/role`, { role: 'admin' }],
    [`${USERS}/${member.userId}/remove`, {}],
    [`${USERS}/invitations/${pending.invitation.id}/resend`, {}],
    [`${USERS}/invitations/${pending.invitation.id}/cancel`, {}],
  ]
  for (const [url, fields] of forms) {
    for (const csrf of ['forged', '']) {
      const response = await browser.post(url, { ...fields, _csrf: csrf })
      t.equal(response.statusCode, 403, `${url} with _csrf=${JSON.stringify(csrf)}`)
      t.match(response.body, 'did not come from this site')
    }
  }
  t.equal((await findDirectMembership(app.db, admin.accountId, member.userId))?.role, 'design', 'unchanged')
  const invitations = await app.db.selectFrom('invitations').selectAll().execute()
  t.same(
    invitations.map((i) => [i.email, i.token_hash, i.cancelled_at]),
    [['pending@example.com', pending.invitation.token_hash, null]],
    'nobody was invited; the pending invitation was neither resent nor cancelled',
  )
})

t.test('users page: names are escaped everywhere they appear', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app, XSS)
  const child = await createAccount(app.db, { name: `${XSS} child`, parentId: admin.accountId })
  const browser = await loginAs(app, admin)
  await addUserWithRole(
    app.db,
    {
      email: 'mallory@example.com',
      name: XSS,
      password: 'a long enough password',
      role: 'admin',
      account: { accountId: admin.accountId },
    },
    AUDIT,
  )
  const page = await browser.get(USERS)
  t.notMatch(page.body, XSS, 'no raw script tag on the users page')
  t.match(page.body, XSS_ESCAPED)

  await browser.post('/accounts/switch', { account_id: child.id })
  const inherited = await browser.get(USERS)
  t.match(inherited.body, 'Inherited from parent accounts')
  t.notMatch(inherited.body, XSS, 'inherited list and account names escaped')
  t.match(inherited.body, `${XSS_ESCAPED} (${admin.accountId})`, 'says where the role comes from')

  const invited = await browser.post(USERS, { email: 'mallory@example.com', role: 'admin' })
  t.equal(invited.statusCode, 200, 'an inherited member can be invited to a direct role on the child')
  t.notMatch(invited.body, XSS)
  await browser.post('/accounts/switch', { account_id: admin.accountId })
  const again = await browser.post(USERS, { email: 'mallory@example.com', role: 'admin' })
  t.equal(again.statusCode, 409, 'already a member')
  t.notMatch(again.body, XSS)

  const mallory = new Browser(app)
  await mallory.login('mallory@example.com', 'a long enough password')
  const home = await mallory.get('/')
  t.notMatch(home.body, XSS, 'the signed-in user name in the header is escaped')
  t.match(home.body, XSS_ESCAPED)
})
