import t from 'tap'
import { upsertMembership } from '../../src/users/repo.js'
import { type seedApplication, TestClock } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, seedUser } from '../helper.js'
import { consentSetup, decide, openConsent, seedClient } from './flow-helpers.js'
import { seedChooser } from './people.js'

async function tokenCount(app: Parameters<typeof seedApplication>[0]): Promise<number> {
  return (await app.db.selectFrom('tokens').select('id').execute()).length
}

t.test(`a tampered consent form is refused (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const user = await seedChooser(app)
  const { application: wanted } = await seedClient(app, user)
  const { application: other } = await seedClient(app, user)
  const stranger = await seedUser(app, 'admin', { newAccountName: 'Elsewhere' })
  const browser = await loginAs(app, user)
  const fields = await openConsent(browser, `/authorize?app=${wanted.id}&state=orig`)
  const allow = { decision: 'allow', account_id: String(user.studioId) }

  const otherApp = await decide(browser, fields, { ...allow, app: String(other.id) })
  t.equal(otherApp.statusCode, 400, 'another app id')
  t.match(otherApp.body, 'does not match the authorization request')
  const changedState = await decide(browser, fields, { ...allow, state: 'forged' })
  t.equal(changedState.statusCode, 400, 'a changed state')
  const ineligible = await decide(browser, fields, { ...allow, account_id: String(user.archiveId) })
  t.equal(ineligible.statusCode, 403, 'an account shown disabled (browse < design)')
  const foreign = await decide(browser, fields, { ...allow, account_id: String(stranger.accountId) })
  t.equal(foreign.statusCode, 403, 'an account the user does not belong to')
  const garbage = await decide(browser, fields, { ...allow, account_id: 'x' })
  t.equal(garbage.statusCode, 400, 'no account')
  const noTicket = await decide(browser, fields, { ...allow, ticket: '' })
  t.equal(noTicket.statusCode, 400, 'no ticket')
  const [payload, mac] = String(fields.ticket).split('.')
  const forgedPayload = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(String(payload), 'base64url').toString()), appId: other.id }),
  ).toString('base64url')
  const forged = await decide(browser, fields, {
    ...allow,
    app: String(other.id),
    ticket: `${forgedPayload}.${mac}`,
  })
  t.equal(forged.statusCode, 400, 'an edited ticket')
  const badDecision = await decide(browser, fields, { ...allow, decision: 'maybe' })
  t.equal(badDecision.statusCode, 400, 'an unknown decision')
  const noCsrf = await decide(browser, fields, { ...allow, _csrf: 'nope' })
  t.equal(noCsrf.statusCode, 403, 'a bad CSRF token')

  const otherFields = await openConsent(browser, `/authorize?app=${other.id}&state=theirs`)
  const replayed = await decide(browser, fields, {
    ...allow,
    app: String(other.id),
    ticket: String(otherFields.ticket),
  })
  t.equal(replayed.statusCode, 400, 'a ticket shown for another request (its state differs)')
  t.equal(await tokenCount(app), 0, 'no token was issued by any of them')

  const honest = await decide(browser, fields, allow)
  t.equal(honest.statusCode, 303, 'the form as shown still works')
  t.equal(await tokenCount(app), 1)
})

t.test(`the consent decision is bound to the session (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const user = await seedChooser(app)
  const { application } = await seedClient(app, user)
  const first = await loginAs(app, user)
  const fields = await openConsent(first, `/authorize?app=${application.id}`)
  const second = await loginAs(app, user)
  await second.get('/')
  const elsewhere = await second.post('/authorize', {
    app: String(fields.app),
    state: '',
    ticket: String(fields.ticket),
    decision: 'allow',
    account_id: String(user.studioId),
  })
  t.equal(elsewhere.statusCode, 400, 'a ticket from another session is refused')
  const { _csrf, ...withoutCsrf } = fields
  t.ok(_csrf)
  const anonymous = await new Browser(app).post('/authorize', { ...withoutCsrf, decision: 'allow' })
  t.equal(anonymous.statusCode, 303, 'anonymous: to the login page')
  t.equal(anonymous.headers.location, '/login')
  t.equal(await tokenCount(app), 0)
})

t.test(`a stale consent form is refused (${DATABASE_KIND})`, async (t) => {
  const clock = new TestClock()
  const { app, user, application, browser } = await consentSetup(t, {}, { now: clock.now })
  const fields = await openConsent(browser, `/authorize?app=${application.id}`)
  clock.advance(31 * 60)
  await browser.get('/')
  const late = await decide(browser, fields, { decision: 'allow', account_id: String(user.studioId) })
  t.equal(late.statusCode, 400, 'after 30 minutes the form has expired')
  t.equal(await tokenCount(app), 0)
})

t.test(`eligibility is checked again when the decision arrives (${DATABASE_KIND})`, async (t) => {
  const { app, user, application, browser } = await consentSetup(t, { permission: 'design' })
  const fields = await openConsent(browser, `/authorize?app=${application.id}`)
  await upsertMembership(app.db, { accountId: user.studioId, userId: user.userId, role: 'browse' })
  const allowed = await decide(browser, fields, { decision: 'allow', account_id: String(user.studioId) })
  t.equal(allowed.statusCode, 403, 'demoted since the page was shown: refused')
  t.match(allowed.body, 'Needs the design role')
  t.equal(await tokenCount(app), 0)
})
