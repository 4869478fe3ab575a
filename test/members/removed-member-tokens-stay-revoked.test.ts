import t from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { findDirectMembership } from '../../src/members/repo.js'
import { removeMember } from '../../src/members/service.js'
import { upsertMembership } from '../../src/users/repo.js'
import { AUDIT, authorize, listenInvalidations, personalToken, seedApplication } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'
import { acceptFormOn, inviteOnUsersPage } from '../invitations/helpers.js'
import { verify } from '../validation/fixtures.js'

const USERS = '/settings/accounts/users'

// Issue 11, item 13: removing a member only suspended their tokens (their role
// was gone), so adding the person again revived an old admin token.
t.test(
  `removing a member revokes their tokens for good; re-adding does not revive them (${DATABASE_KIND})`,
  async (t) => {
    const { app, database } = await build(t)
    const admin = await seedFirstAdmin(app)
    const member = await seedUser(app, 'admin', { accountId: admin.accountId })
    const child = await createAccount(app.db, { name: 'Child', parentId: admin.accountId })
    const ownChild = await createAccount(app.db, { name: 'Own child', parentId: admin.accountId })
    await upsertMembership(app.db, { accountId: ownChild.id, userId: member.userId, role: 'publish' })

    const token = await personalToken(app, { userId: member.userId, accountId: admin.accountId }, 'admin')
    const childToken = await personalToken(app, { userId: member.userId, accountId: child.id }, 'admin')
    const ownChildToken = await personalToken(
      app,
      { userId: member.userId, accountId: ownChild.id },
      'publish',
    )
    const registered = await seedApplication(
      app,
      { accountId: admin.accountId },
      { name: 'Helper', permission: 'admin' },
    )
    const grant = await authorize(app, registered.application, {
      accountId: admin.accountId,
      userId: member.userId,
    })
    const adminsToken = await personalToken(
      app,
      { userId: admin.userId, accountId: admin.accountId },
      'admin',
    )
    for (const live of [token, childToken, ownChildToken, grant.token])
      t.equal((await verify(app, live)).statusCode, 200, 'live before, and cached')

    const invalidations = await listenInvalidations(t, database)
    const browser = await loginAs(app, admin)
    t.equal((await browser.post(`${USERS}/${member.userId}/remove`, {})).statusCode, 303, 'removed')
    const rows = await app.db
      .selectFrom('tokens')
      .select(['id', 'account_id', 'revoked_at'])
      .where('user_id', '=', member.userId)
      .orderBy('id')
      .execute()
    t.same(
      rows.map((row) => [row.account_id, row.revoked_at !== null]),
      [
        [admin.accountId, true],
        [child.id, true],
        [ownChild.id, false],
        [admin.accountId, true],
      ],
      'revoked on the account and the sub-account it alone gave a role on; kept where another membership does',
    )
    const announced = await invalidations.settled()
    for (const row of rows.filter((r) => r.revoked_at))
      t.ok(
        announced.some((i) => i.type === 'token' && i.id === row.id),
        `token ${row.id} is announced`,
      )

    // Re-added as admin on the Users page, as the review did: now an invitation the member accepts.
    await inviteOnUsersPage(browser, member.email, 'admin')
    const memberBrowser = await loginAs(app, member)
    const accepted = await memberBrowser.post(acceptFormOn((await memberBrowser.get('/')).body), {})
    t.equal(accepted.statusCode, 303, 're-added')
    t.equal((await findDirectMembership(app.db, admin.accountId, member.userId))?.role, 'admin')
    for (const [name, dead] of [
      ['the admin API token', token],
      ['the sub-account token', childToken],
      ['the application token', grant.token],
    ] as const)
      t.equal((await verify(app, dead)).statusCode, 401, `${name} stays inactive after re-adding`)
    t.equal((await verify(app, ownChildToken)).statusCode, 200, 'the token another membership covers lives')
    t.equal((await verify(app, adminsToken)).statusCode, 200, 'nobody else’s token is touched')

    const event = await app.db
      .selectFrom('audit_events')
      .select('details')
      .where('action', '=', 'membership.removed')
      .executeTakeFirstOrThrow()
    const details = typeof event.details === 'string' ? JSON.parse(event.details) : event.details
    t.match(details, { tokens_revoked: 3 }, 'the audit event counts them')
  },
)

t.test('a member who still inherits a role loses the tokens on the account all the same', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const child = await createAccount(app.db, { name: 'Child', parentId: admin.accountId })
  const member = await seedUser(app, 'browse', { accountId: admin.accountId })
  await upsertMembership(app.db, { accountId: child.id, userId: member.userId, role: 'publish' })
  const token = await personalToken(app, { userId: member.userId, accountId: child.id }, 'publish')
  await removeMember(app.db, { accountId: child.id, actorUserId: admin.userId, userId: member.userId }, AUDIT)
  await upsertMembership(app.db, { accountId: child.id, userId: member.userId, role: 'publish' })
  t.equal((await verify(app, token)).statusCode, 401, 'revoked, not narrowed to the inherited browse')
})
