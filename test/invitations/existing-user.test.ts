import t from 'tap'
import { findDirectMembership } from '../../src/members/repo.js'
import { Browser, build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'
import { linkPath, startMailbox } from '../mailbox.js'
import { acceptFormOn, USERS } from './helpers.js'

t.test(`an existing user accepts while signed in as the invited address (${DATABASE_KIND})`, async (t) => {
  const mailbox = await startMailbox(t)
  const { app } = await build(t, { smtpUrl: mailbox.url })
  const admin = await seedFirstAdmin(app, 'Acme')
  const other = await seedUser(app, 'admin', { newAccountName: 'Other Co' })
  const adminBrowser = await loginAs(app, admin)
  t.equal(
    (await adminBrowser.post(USERS, { email: other.email.toUpperCase(), role: 'publish' })).statusCode,
    200,
  )
  const link = linkPath(await mailbox.next(), '/invitations/accept')
  t.notOk(await findDirectMembership(app.db, admin.accountId, other.userId), 'no membership before accepting')

  const anonymous = await new Browser(app).get(link)
  t.equal(anonymous.statusCode, 200, 'not signed in: asked to sign in first')
  t.match(anonymous.body, 'already has a Latchkey user')
  t.match(anonymous.body, 'href="/login?next=%2F"', 'the sign-in link does not carry the token')
  t.notMatch(anonymous.body, 'name="password"', 'no password form for an existing user')

  const person = await loginAs(app, other)
  const home = await person.get('/')
  t.match(
    home.body,
    /Invitations for you[\s\S]*Acme[\s\S]*publish/,
    'the overview lists the invitation after sign-in',
  )
  const join = await person.get(link)
  t.equal(join.statusCode, 200)
  t.match(join.body, 'Join <strong>Acme</strong> as <strong>publish</strong>?')
  t.notOk(
    await findDirectMembership(app.db, admin.accountId, other.userId),
    'opening the page changes nothing',
  )

  const accepted = await person.post(acceptFormOn(join.body), {})
  t.equal(accepted.statusCode, 303)
  t.equal((await findDirectMembership(app.db, admin.accountId, other.userId))?.role, 'publish')
  t.match(
    (await person.get('/')).body,
    /You are working in <strong>Acme<\/strong>/,
    'lands on the account joined',
  )
  t.equal((await person.post(acceptFormOn(join.body), {})).statusCode, 404, 'cannot be accepted twice')
  t.equal((await new Browser(app).get(link)).statusCode, 410, 'the link is used')

  const event = await app.db
    .selectFrom('audit_events')
    .select(['actor_user_id', 'details'])
    .where('account_id', '=', admin.accountId)
    .where('action', '=', 'invitation.accepted')
    .executeTakeFirstOrThrow()
  t.match(event, { actor_user_id: other.userId, details: { role: 'publish', new_user: false } })
})

t.test('signed in as someone else: refused, nothing changes; declining closes the invitation', async (t) => {
  const mailbox = await startMailbox(t)
  const { app } = await build(t, { smtpUrl: mailbox.url })
  const admin = await seedFirstAdmin(app, 'Acme')
  const invitee = await seedUser(app, 'browse', { newAccountName: 'Invitee Co' })
  const intruder = await seedUser(app, 'admin', { newAccountName: 'Intruder Co' })
  const adminBrowser = await loginAs(app, admin)
  await adminBrowser.post(USERS, { email: invitee.email, role: 'admin' })
  const link = linkPath(await mailbox.next(), '/invitations/accept')

  const wrong = await loginAs(app, intruder)
  const page = await wrong.get(link)
  t.equal(page.statusCode, 403, 'the wrong user is refused')
  t.match(page.body, `This invitation is for <strong>${invitee.email}</strong>`)
  t.match(page.body, `signed in as <strong>${intruder.email}</strong>`)
  t.notMatch(page.body, /\/invitations\/\d+\/accept/, 'no Accept button')
  t.notMatch((await wrong.get('/')).body, 'Invitations for you', 'not offered to another address')

  const invitation = await app.db.selectFrom('invitations').select('id').executeTakeFirstOrThrow()
  const forced = await wrong.post(`/invitations/${invitation.id}/accept`, {})
  t.equal(forced.statusCode, 404, 'accepting someone else’s invitation by id is a 404')
  t.equal(
    (await wrong.post(`/invitations/${invitation.id}/decline`, {})).statusCode,
    404,
    'so is declining it',
  )
  t.notOk(await findDirectMembership(app.db, admin.accountId, intruder.userId), 'the intruder did not join')
  const newPerson = await wrong.post('/invitations/accept', {
    token: new URL(link, 'http://x').searchParams.get('token') ?? '',
    name: 'Intruder',
    password: 'a long enough password',
  })
  t.equal(newPerson.statusCode, 403, 'the new-person form refuses an address that has a user')
  t.match(newPerson.body, 'already has a Latchkey user')
  t.notOk(await findDirectMembership(app.db, admin.accountId, invitee.userId))

  const person = await loginAs(app, invitee)
  const declined = await person.post(`/invitations/${invitation.id}/decline`, {})
  t.equal(declined.statusCode, 303)
  t.notOk(await findDirectMembership(app.db, admin.accountId, invitee.userId), 'declined: no membership')
  t.notMatch((await person.get('/')).body, 'Invitations for you')
  t.equal((await new Browser(app).get(link)).statusCode, 410, 'the link is closed')
  t.notMatch((await adminBrowser.get(USERS)).body, 'id="invitations"', 'no longer pending for the admin')
  const event = await app.db
    .selectFrom('audit_events')
    .select(['actor_user_id', 'details'])
    .where('action', '=', 'invitation.cancelled')
    .executeTakeFirstOrThrow()
  t.match(event, { actor_user_id: invitee.userId, details: { declined: true } })
})
