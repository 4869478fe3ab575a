import t from 'tap'
import { findDirectMembership } from '../../src/members/repo.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'
import { acceptFormOn } from '../invitations/helpers.js'

const USERS = '/settings/accounts/users'

// Issue 11, item 4: any admin could add any existing user to their account; the
// person then landed in it after signing in and their sign-ins showed up in its
// audit log. Now nobody becomes a member without accepting the invitation.
t.test(`membership without consent: no membership until the person accepts (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const stranger = await seedFirstAdmin(app, 'Stranger Co')
  const person = await seedUser(app, 'admin', { newAccountName: 'Own Co' })
  const strangerBrowser = await loginAs(app, stranger)
  t.equal((await strangerBrowser.post(USERS, { email: person.email, role: 'admin' })).statusCode, 200)
  t.notOk(
    await findDirectMembership(app.db, stranger.accountId, person.userId),
    'not a member after the invitation',
  )

  const browser = await loginAs(app, person)
  const home = await browser.get('/')
  t.match(home.body, /You are working in <strong>Own Co<\/strong>/, 'signing in lands on their own account')
  t.notMatch(home.body, /<td>Stranger Co<\/td>/, 'the inviting account is not among theirs')
  t.match(home.body, /Invitations for you[\s\S]*Stranger Co/, 'it is offered, to accept or decline')
  t.notMatch(
    (await strangerBrowser.get(USERS)).body,
    new RegExp(`<td>${person.email}</td>\\s*<td>\\s*<form`),
    'not in the member list',
  )
  const logins = await app.db
    .selectFrom('audit_events')
    .select('action')
    .where('account_id', '=', stranger.accountId)
    .where('actor_user_id', '=', person.userId)
    .execute()
  t.same(logins, [], 'nothing about the person in the inviting account’s audit log')

  const accepted = await browser.post(acceptFormOn(home.body), {})
  t.equal(accepted.statusCode, 303)
  t.equal(
    (await findDirectMembership(app.db, stranger.accountId, person.userId))?.role,
    'admin',
    'a member once accepted',
  )
})
