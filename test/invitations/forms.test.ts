import t from 'tap'
import { invite } from '../../src/invitations/admin.js'
import { findDirectMembership } from '../../src/members/repo.js'
import { findUserByEmail } from '../../src/users/repo.js'
import { AUDIT } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'
import { USERS } from './helpers.js'

t.test(`CSRF is refused on every form of the invitee's side (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const existing = await seedUser(app, 'browse', { newAccountName: 'Own Co' })
  const actor = { accountId: admin.accountId, actorUserId: admin.userId }
  const forNew = await invite(app.db, { ...actor, email: 'new@example.com', role: 'browse' }, AUDIT)
  const forExisting = await invite(app.db, { ...actor, email: existing.email, role: 'browse' }, AUDIT)

  const anonymous = new Browser(app)
  await anonymous.get(`/invitations/accept?token=${forNew.token}`)
  const signedIn = await loginAs(app, existing)
  const forms: [Browser, string, Record<string, string>][] = [
    [
      anonymous,
      '/invitations/accept',
      { token: forNew.token, name: 'N', password: 'a long enough password' },
    ],
    [signedIn, `/invitations/${forExisting.invitation.id}/accept`, {}],
    [signedIn, `/invitations/${forExisting.invitation.id}/decline`, {}],
  ]
  for (const [browser, url, fields] of forms) {
    for (const csrf of ['forged', '']) {
      const response = await browser.post(url, { ...fields, _csrf: csrf })
      t.equal(response.statusCode, 403, `${url} with _csrf=${JSON.stringify(csrf)}`)
      t.match(response.body, 'did not come from this site')
    }
  }
  t.equal(await findUserByEmail(app.db, 'new@example.com'), undefined, 'nobody was created')
  t.notOk(await findDirectMembership(app.db, admin.accountId, existing.userId), 'nobody joined')
  const open = await app.db
    .selectFrom('invitations')
    .select('id')
    .where('accepted_at', 'is', null)
    .where('cancelled_at', 'is', null)
    .execute()
  t.equal(open.length, 2, 'both invitations are still pending')
})

t.test('only admins invite, and at most their own role', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  for (const role of ['browse', 'design', 'publish'] as const) {
    const member = await seedUser(app, role, { accountId: admin.accountId })
    const browser = await loginAs(app, member)
    const refused = await browser.post(USERS, { email: `by-${role}@example.com`, role: 'admin' })
    t.equal(refused.statusCode, 403, `${role}: refused`)
    // The service checks again inside its transaction, whatever the route did.
    await t.rejects(
      invite(
        app.db,
        { accountId: admin.accountId, actorUserId: member.userId, email: `svc-${role}@example.com`, role },
        AUDIT,
      ),
      { statusCode: 403, message: /Only Admin users can manage users/ },
      `${role}: the service refuses too`,
    )
  }
  t.equal((await app.db.selectFrom('invitations').select('id').execute()).length, 0, 'no invitation made')
})
