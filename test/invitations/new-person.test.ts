import t from 'tap'
import { findDirectMembership } from '../../src/members/repo.js'
import { findUserByEmail } from '../../src/users/repo.js'
import { XSS, XSS_ESCAPED } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, seedFirstAdmin } from '../helper.js'
import { linkPath, linksIn, startMailbox } from '../mailbox.js'
import { pathOf, shownLink, tokenOf, USERS } from './helpers.js'

const NEW_PASSWORD = 'a password of my own choosing'

t.test(`a new person joins from the mail's link (${DATABASE_KIND})`, async (t) => {
  const mailbox = await startMailbox(t)
  const { app } = await build(t, { smtpUrl: mailbox.url })
  const admin = await seedFirstAdmin(app, 'Acme')
  const browser = await loginAs(app, admin)

  const invited = await browser.post(USERS, { email: 'newcomer@example.com', role: 'design' })
  t.equal(invited.statusCode, 200, 'the page itself answers (the link is never in a redirect URL)')
  t.match(invited.body, 'An invitation to join as design was mailed to')
  t.equal(await findUserByEmail(app.db, 'newcomer@example.com'), undefined, 'no user exists yet')
  t.match(
    (await browser.get(USERS)).body,
    /id="invitations"[\s\S]*newcomer@example.com[\s\S]*design/,
    'listed as pending',
  )

  const mail = await mailbox.next()
  t.match(mail.subject ?? '', 'Acme')
  t.equal(linksIn(mail).length, 1, 'one link, alone on its line')
  t.match(linksIn(mail)[0] ?? '', /^http:\/\/localhost:3000\/invitations\/accept\?token=[\w-]{43}$/)
  t.match(mail.text ?? '', 'Ada Admin invited you to join the account "Acme" on Latchkey as design.')
  const link = linkPath(mail, '/invitations/accept')

  const person = new Browser(app)
  const page = await person.get(link)
  t.equal(page.statusCode, 200)
  t.match(page.body, 'name="name"')
  t.match(page.body, 'name="password"')
  t.match(page.body, `name="token" value="${tokenOf(link)}"`)
  t.match(page.body, 'newcomer@example.com')
  t.equal(
    await findUserByEmail(app.db, 'newcomer@example.com'),
    undefined,
    'opening the link creates nothing',
  )

  const short = await person.post('/invitations/accept', {
    token: tokenOf(link),
    name: 'Newt',
    password: 'short',
  })
  t.equal(short.statusCode, 400, 'a weak password is refused on the form')
  t.match(short.body, 'value="Newt"', 'the name is kept')
  t.equal(await findUserByEmail(app.db, 'newcomer@example.com'), undefined)

  const accepted = await person.post('/invitations/accept', {
    token: tokenOf(link),
    name: 'Newt Comer',
    password: NEW_PASSWORD,
  })
  t.equal(accepted.statusCode, 303)
  t.equal(accepted.headers.location, '/')
  const home = await person.get('/')
  t.equal(home.statusCode, 200, 'signed in')
  t.match(
    home.body,
    /You are working in <strong>Acme<\/strong>[\s\S]*as <strong>design<\/strong>/,
    'on that account',
  )
  const user = await findUserByEmail(app.db, 'newcomer@example.com')
  t.equal(user?.name, 'Newt Comer')
  t.equal((await findDirectMembership(app.db, admin.accountId, user?.id ?? 0))?.role, 'design')
  t.equal(
    (await new Browser(app).post('/login', { email: 'newcomer@example.com', password: NEW_PASSWORD }))
      .statusCode,
    303,
  )

  const again = await new Browser(app).get(link)
  t.equal(again.statusCode, 410, 'single use: the link is gone')
  t.match(again.body, 'already been accepted')
  const replay = await new Browser(app).post('/invitations/accept', {
    token: tokenOf(link),
    name: 'Someone Else',
    password: 'another password entirely',
  })
  t.equal(replay.statusCode, 410, 'and posting it again creates nothing')
  t.equal((await findUserByEmail(app.db, 'newcomer@example.com'))?.name, 'Newt Comer')
  t.notMatch((await browser.get(USERS)).body, /id="invitations"/, 'no longer pending')

  const events = await app.db
    .selectFrom('audit_events')
    .select(['action', 'actor_user_id', 'details'])
    .where('account_id', '=', admin.accountId)
    .where('action', 'like', 'invitation.%')
    .orderBy('id')
    .execute()
  t.match(events, [
    {
      action: 'invitation.created',
      actor_user_id: admin.userId,
      details: { email: 'newcomer@example.com', role: 'design' },
    },
    { action: 'invitation.accepted', actor_user_id: user?.id, details: { role: 'design', new_user: true } },
  ])
  t.equal(events.length, 2)
})

t.test('names and addresses are escaped in pages and in the mail', async (t) => {
  const mailbox = await startMailbox(t)
  const { app } = await build(t, { smtpUrl: mailbox.url })
  const admin = await seedFirstAdmin(app, XSS)
  const browser = await loginAs(app, admin)
  const invited = await browser.post(USERS, { email: 'plain@example.com', role: 'browse' })
  t.equal(invited.statusCode, 200)
  t.notMatch(invited.body, XSS)
  const mail = await mailbox.next()
  t.notMatch(String(mail.html), XSS, 'the account name is escaped in the HTML part')
  t.match(String(mail.html), XSS_ESCAPED)
  t.match(mail.text ?? '', XSS, 'and left as typed in the text part')
  const link = linkPath(mail, '/invitations/accept')
  const page = await new Browser(app).get(link)
  t.notMatch(page.body, XSS, 'the accept page escapes the account name')
  t.match(page.body, XSS_ESCAPED)
  const accepted = await new Browser(app).post('/invitations/accept', {
    token: tokenOf(link),
    name: XSS,
    password: NEW_PASSWORD,
  })
  t.equal(accepted.statusCode, 303)
  t.notMatch((await browser.get(USERS)).body, XSS, 'the new member’s name is escaped in the list')

  // An address that is markup: escaped on the Users page, in the pending list and on the accept page.
  const markup = '<img/src=x/onerror=alert(1)>@example.com'
  const weird = await browser.post(USERS, { email: markup, role: 'browse' })
  t.equal(weird.statusCode, 200)
  t.notMatch(weird.body, '<img/src=x', 'escaped where the invitation is reported and listed')
  t.match(weird.body, '&lt;img/src=x/onerror=alert(1)&gt;@example.com')
  const weirdPage = await new Browser(app).get(pathOf(shownLink(weird) ?? ''))
  t.equal(weirdPage.statusCode, 200)
  t.notMatch(weirdPage.body, '<img/src=x', 'escaped on the accept page')
})
