import t from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { findDirectMembership } from '../../src/members/repo.js'
import { findUserByEmail } from '../../src/users/repo.js'
import { listenInvalidations, meSays, personalToken } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, PASSWORD, seedFirstAdmin, seedUser } from '../helper.js'

const USERS = '/settings/accounts/users'

t.test(`adding an existing email only grants the role (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const other = await seedUser(app, 'publish', { newAccountName: 'Other Co' })
  const browser = await loginAs(app, admin)
  const form = await browser.get(USERS)
  t.match(form.body, 'the name and password below are ignored', 'the form says so')

  const added = await browser.post(USERS, {
    email: other.email.toUpperCase(),
    name: 'Someone Else',
    password: 'a different password',
    role: 'design',
  })
  t.equal(added.statusCode, 303)
  t.equal(added.headers.location, `${USERS}?notice=added`)
  t.equal((await findDirectMembership(app.db, admin.accountId, other.userId))?.role, 'design')
  const user = await findUserByEmail(app.db, other.email)
  t.equal(user?.name, 'publish user', 'name unchanged')
  t.equal((await new Browser(app).post('/login', { email: other.email, password: PASSWORD })).statusCode, 303)
  t.equal(
    (await new Browser(app).post('/login', { email: other.email, password: 'a different password' }))
      .statusCode,
    401,
    'the password given on the form was not set',
  )
  t.equal((await findDirectMembership(app.db, other.accountId, other.userId))?.role, 'publish', 'kept')

  const again = await browser.post(USERS, { email: other.email, role: 'admin' })
  t.equal(again.statusCode, 409, 'already a member: change the role instead')
  t.match(again.body, 'already a member of this account (design)')

  const bad = await browser.post(USERS, {
    email: 'new@example.com',
    name: 'N',
    password: 'short',
    role: 'browse',
  })
  t.equal(bad.statusCode, 400, 'a new user needs a valid password')
  t.match(bad.body, /password/)
  t.match(bad.body, 'value="new@example.com"', 'the form keeps what was typed')
  const badRole = await browser.post(USERS, { email: other.email, role: 'owner' })
  t.equal(badRole.statusCode, 400)
  t.match(badRole.body, 'role must be one of browse, design, publish, admin')

  const created = await browser.post(USERS, {
    email: 'fresh@example.com',
    name: 'Fresh',
    password: 'a long enough password',
    role: 'browse',
  })
  t.equal(created.headers.location, `${USERS}?notice=created`)
  t.equal(
    (
      await new Browser(app).post('/login', {
        email: 'fresh@example.com',
        password: 'a long enough password',
      })
    ).statusCode,
    303,
    'a new user can sign in',
  )

  const events = await app.db
    .selectFrom('audit_events')
    .selectAll()
    .where('account_id', '=', admin.accountId)
    .where('action', '=', 'membership.granted')
    .orderBy('id')
    .execute()
  t.equal(events.length, 2)
  t.match(events[0], { actor_user_id: admin.userId, target_id: String(other.userId) })
  t.match(events[0]?.details, { role: 'design', new_user: false })
  t.match(events[1]?.details, { email: 'fresh@example.com', new_user: true })
})

t.test('the last admin cannot be removed or demoted; inherited admins count', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  for (const [url, fields] of [
    [`${USERS}/${admin.userId}/role`, { role: 'publish' }],
    [`${USERS}/${admin.userId}/remove`, {}],
  ] as const) {
    const refused = await browser.post(url, fields)
    t.equal(refused.statusCode, 409, url)
    t.match(refused.body, 'This is the last admin of the account')
  }
  t.equal((await findDirectMembership(app.db, admin.accountId, admin.userId))?.role, 'admin', 'unchanged')

  const second = await seedUser(app, 'admin', { accountId: admin.accountId })
  const demoted = await browser.post(`${USERS}/${second.userId}/role`, { role: 'browse' })
  t.equal(demoted.statusCode, 303)
  t.equal((await browser.post(`${USERS}/${admin.userId}/remove`, {})).statusCode, 409, 'last again')
  await browser.post(`${USERS}/${second.userId}/role`, { role: 'admin' })
  const selfDemote = await browser.post(`${USERS}/${admin.userId}/role`, { role: 'publish' })
  t.equal(selfDemote.statusCode, 303, 'with another admin, one may step down')
  t.equal(selfDemote.headers.location, '/', 'and is sent home, since the page is now closed to them')
  t.equal((await browser.get(USERS)).statusCode, 403)

  const secondBrowser = await loginAs(app, second)
  t.equal(
    (await secondBrowser.post(`${USERS}/${second.userId}/remove`, {})).statusCode,
    409,
    'the remaining admin cannot remove themselves',
  )

  // A sub-account: its creator's admin role is inherited, so a direct admin there is not the last one.
  const child = await createAccount(app.db, { name: 'Child', parentId: admin.accountId })
  await secondBrowser.post('/accounts/switch', { account_id: child.id })
  const helper = await secondBrowser.post(USERS, {
    email: 'temp@example.com',
    name: 'Temp',
    password: 'a long enough password',
    role: 'admin',
  })
  t.equal(helper.statusCode, 303)
  const temp = await findUserByEmail(app.db, 'temp@example.com')
  t.equal(
    (await secondBrowser.post(`${USERS}/${temp!.id}/remove`, {})).statusCode,
    303,
    'the only direct admin of a sub-account can go: the parent admin still administers it',
  )
  const events = await app.db
    .selectFrom('audit_events')
    .select(['action', 'details'])
    .where('account_id', '=', admin.accountId)
    .where('action', 'in', ['membership.changed', 'membership.removed'])
    .orderBy('id')
    .execute()
  t.same(
    events.map((e) => [e.action, e.details.from, e.details.to]),
    [
      ['membership.changed', 'admin', 'browse'],
      ['membership.changed', 'browse', 'admin'],
      ['membership.changed', 'admin', 'publish'],
    ],
    'refused changes write nothing',
  )
})

t.test('ids of another account are 404; inherited members cannot be changed here', async (t) => {
  const { app } = await build(t)
  const adminA = await seedFirstAdmin(app, 'A')
  const adminB = await seedUser(app, 'admin', { newAccountName: 'B' })
  const memberB = await seedUser(app, 'publish', { accountId: adminB.accountId })
  const browser = await loginAs(app, adminA)
  for (const [url, fields] of [
    [`${USERS}/${memberB.userId}/role`, { role: 'browse' }],
    [`${USERS}/${memberB.userId}/remove`, {}],
    [`${USERS}/${adminB.userId}/remove`, { account_id: String(adminB.accountId) }],
  ] as const) {
    const response = await browser.post(url, fields)
    t.equal(response.statusCode, 404, url)
  }
  t.equal((await findDirectMembership(app.db, adminB.accountId, memberB.userId))?.role, 'publish')
  t.ok(await findDirectMembership(app.db, adminB.accountId, adminB.userId))
  t.equal((await browser.post(`${USERS}/abc/remove`, {})).statusCode, 400, 'a malformed id')

  const child = await createAccount(app.db, { name: 'A child', parentId: adminA.accountId })
  await browser.post('/accounts/switch', { account_id: child.id })
  const page = await browser.get(USERS)
  t.match(page.body, 'Inherited from parent accounts')
  t.match(page.body, `A (${adminA.accountId})`)
  t.notMatch(page.body, `/settings/accounts/users/${adminA.userId}/remove`, 'no form for an inherited role')
  t.equal(
    (await browser.post(`${USERS}/${adminA.userId}/role`, { role: 'browse' })).statusCode,
    404,
    'an inherited role is not a member of the sub-account',
  )
  t.equal((await findDirectMembership(app.db, adminA.accountId, adminA.userId))?.role, 'admin')
})

t.test('removal stops and demotion narrows the member’s tokens, announced to every instance', async (t) => {
  const { app, database } = await build(t)
  const admin = await seedFirstAdmin(app)
  const member = await seedUser(app, 'publish', { accountId: admin.accountId })
  const token = await personalToken(app, { userId: member.userId, accountId: admin.accountId }, 'publish')
  const child = await createAccount(app.db, { name: 'Child', parentId: admin.accountId })
  const childToken = await personalToken(app, { userId: member.userId, accountId: child.id }, 'publish')
  t.same(await meSays(app, token), { status: 200, permission: 'publish' })
  const invalidations = await listenInvalidations(t, database)
  const browser = await loginAs(app, admin)

  t.equal((await browser.post(`${USERS}/${member.userId}/role`, { role: 'browse' })).statusCode, 303)
  t.same(await meSays(app, token), { status: 200, permission: 'browse' }, 'demotion narrows at once')
  t.same(await meSays(app, childToken), { status: 200, permission: 'browse' }, 'on sub-accounts too')

  t.equal((await browser.post(`${USERS}/${member.userId}/remove`, {})).statusCode, 303)
  t.equal((await meSays(app, token)).status, 401, 'removal stops the token')
  t.equal((await meSays(app, childToken)).status, 401, 'and the one on the sub-account')

  const change = { type: 'membership', accountId: admin.accountId, userId: member.userId }
  const announced = await invalidations.settled()
  t.same(
    announced.filter((i) => i.type === 'membership'),
    [change, change],
    'one invalidation per change, after commit',
  )
  t.equal(announced.filter((i) => i.type === 'token').length, 2, 'and the two tokens removal revoked')
})
