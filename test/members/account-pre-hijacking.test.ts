import t from 'tap'
import { findDirectMembership } from '../../src/members/repo.js'
import { findUserByEmail } from '../../src/users/repo.js'
import { Browser, build, DATABASE_KIND, loginAs, PASSWORD, seedFirstAdmin, seedUser } from '../helper.js'
import { startMailbox } from '../mailbox.js'

const USERS = '/settings/accounts/users'
const ATTACKER_PASSWORD = 'the attacker chose this one'

/** The invitation outcome, with what differs by nature (the echoed address, the link's token) made equal. */
function outcome(body: string, email: string): string {
  const start = body.indexOf('<section class="notice" aria-labelledby="invitation-sent-heading">')
  const end = body.indexOf('</section>', start)
  return body
    .slice(start, end)
    .replaceAll(email, '<address>')
    .replace(/token=[\w-]{43}/g, 'token=<token>')
}

// Issue 11, item 1: an account admin could create a user for any address with a
// password of their choosing; when the real organisation later added that address,
// the person kept the attacker's password. The add form also told whether an
// address existed. Now the Users page only invites: no admin sets a password.
t.test(
  `account pre-hijacking: the Users page never creates a user or sets a password (${DATABASE_KIND})`,
  async (t) => {
    const mailbox = await startMailbox(t)
    const { app } = await build(t, { smtpUrl: mailbox.url })
    const attacker = await seedFirstAdmin(app, 'Attacker Co')
    const victim = await seedUser(app, 'admin', { newAccountName: 'Victim Co' })
    const browser = await loginAs(app, attacker)

    const form = await browser.get(USERS)
    t.notMatch(form.body, 'name="password"', 'no password field on the Users page')
    t.notMatch(form.body, /<input[^>]+name="name"/, 'no name field either')

    const unknown = await browser.post(USERS, {
      email: 'future-hire@example.com',
      name: 'Future Hire',
      password: ATTACKER_PASSWORD,
      role: 'admin',
    })
    t.equal(
      await findUserByEmail(app.db, 'future-hire@example.com'),
      undefined,
      'an admin cannot create a user',
    )
    const known = await browser.post(USERS, {
      email: victim.email,
      name: 'Renamed',
      password: ATTACKER_PASSWORD,
      role: 'admin',
    })

    t.equal(known.statusCode, unknown.statusCode, 'the same status for a known and an unknown address')
    t.equal(unknown.statusCode, 200)
    t.equal(
      outcome(known.body, victim.email),
      outcome(unknown.body, 'future-hire@example.com'),
      'the same answer, apart from the echoed address and the link',
    )
    t.equal(
      (await mailbox.next()).subject,
      (await mailbox.next()).subject,
      'both are mailed the same invitation',
    )

    const user = await findUserByEmail(app.db, victim.email)
    t.equal(user?.name, 'admin user', 'the person’s name is untouched')
    t.equal(
      (await new Browser(app).post('/login', { email: victim.email, password: PASSWORD })).statusCode,
      303,
    )
    t.equal(
      (await new Browser(app).post('/login', { email: victim.email, password: ATTACKER_PASSWORD }))
        .statusCode,
      401,
      'the person’s password is untouched',
    )
    t.notOk(await findDirectMembership(app.db, attacker.accountId, victim.userId), 'and they did not join')

    const created = await app.db
      .selectFrom('audit_events')
      .select('action')
      .where('action', 'in', ['user.created', 'membership.granted'])
      .where('account_id', '=', attacker.accountId)
      .execute()
    t.same(created, [], 'no user.created or membership.granted on the admin’s account')
  },
)
