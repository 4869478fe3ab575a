import t from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { findDirectMembership } from '../../src/members/repo.js'
import { findUserByEmail } from '../../src/users/repo.js'
import { addUserWithRole } from '../../src/users/service.js'
import { AUDIT, listenInvalidations, meSays, personalToken } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, PASSWORD, seedFirstAdmin, seedUser } from '../helper.js'

const USERS = '/settings/accounts/users'

t.test(`the add form is an invitation: email and role, and its refusals (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const other = await seedUser(app, 'publish', { newAccountName: 'Other Co' })
  const browser = await loginAs(app, admin)
  const form = await browser.get(USERS)
  t.match(form.body, 'Latchkey mails them an invitation', 'the form says so')

  const invited = await browser.post(USERS, { email: other.email.toUpperCase(), role: 'design' })
  t.equal(invited.statusCode, 200)
  t.notOk(await findDirectMembership(app.db, admin.accountId, other.userId), 'no role until accepted')
  const again = await browser.post(USERS, { email: other.email, role: 'admin' })
  t.equal(again.statusCode, 200, 'inviting again replaces the pending invitation')
  const rows = await app.db.selectFrom('invitations').select(['email', 'role']).execute()
  t.same(rows, [{ email: other.email.toUpperCase(), role: 'admin' }], 'one invitation, with the newer role')

  const member = await browser.post(USERS, { email: admin.email, role: 'browse' })
  t.equal(member.statusCode, 409, 'a direct member: change the role in the list instead')
  t.match(member.body, 'is already a member of this account')

  const bad = await browser.post(USERS, { email: 'not an address', role: 'browse' })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, 'email must be a valid email address')
  t.match(bad.body, 'value="not an address"', 'the form keeps what was typed')
  const badRole = await browser.post(USERS, { email: other.email, role: 'owner' })
  t.equal(badRole.statusCode, 400)
  t.match(badRole.body, 'role must be one of browse, design, publish, admin')

  const events = await app.db
    .selectFrom('audit_events')
    .select(['action', 'actor_user_id', 'details'])
    .where('account_id', '=', admin.accountId)
    .where('action', 'like', 'invitation.%')
    .orderBy('id')
    .execute()
  t.match(events, [
    { action: 'invitation.created', actor_user_id: admin.userId, details: { role: 'design' } },
    { action: 'invitation.resent', actor_user_id: admin.userId, details: { role: 'admin' } },
  ])
  t.equal(events.length, 2, 'refused invitations write nothing')
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
  // A direct admin of the sub-account (seeded as the CLI does; adding people is not what this tests).
  await addUserWithRole(
    app.db,
    {
      email: 'temp@example.com',
      name: 'Temp',
      password: PASSWORD,
      role: 'admin',
      account: { accountId: child.id },
    },
    AUDIT,
  )
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
