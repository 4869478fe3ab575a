import t from 'tap'
import { FACTOR_REQUIRED_NOTICE } from '../../src/account-security/gate.js'
import { createAccount } from '../../src/accounts/repo.js'
import { upsertMembership } from '../../src/users/repo.js'
import { decide, openConsent } from '../consent/flow-helpers.js'
import { seedApplication } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'
import { seedConfirmedTotp } from './seed-factor.js'

const SECURITY = '/settings/accounts/security'
const ENROL = '/settings/profile/security?required=1'

// CONTRACT 9: an admin requires a second factor on an account; members of it and of
// its sub-accounts who have none are sent to enrol before any page of that account.

t.test(`the second-factor policy (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app, 'Acme')
  const child = await createAccount(app.db, { name: 'Acme Child', parentId: admin.accountId })
  const adminBrowser = await loginAs(app, admin)

  await t.test('only admins see and change it', async (t) => {
    const publisher = await seedUser(app, 'publish', { accountId: admin.accountId })
    const browser = await loginAs(app, publisher)
    t.equal((await browser.get(SECURITY)).statusCode, 403)
    t.equal((await browser.post(SECURITY, { require_two_factor: '1' })).statusCode, 403)
    const page = await adminBrowser.get(SECURITY)
    t.equal(page.statusCode, 200)
    t.match(page.body, 'name="require_two_factor"')
    t.match(page.body, 'href="/settings/accounts/security" aria-current="page"', 'a tab of the settings')
  })

  await t.test('an admin without a factor cannot turn it on (it would lock them out)', async (t) => {
    const refused = await adminBrowser.post(SECURITY, { require_two_factor: '1' })
    t.equal(refused.statusCode, 400)
    t.match(refused.body, 'Set up a second factor for yourself first')
    const row = await app.db
      .selectFrom('accounts')
      .select('require_two_factor')
      .where('id', '=', admin.accountId)
      .executeTakeFirstOrThrow()
    t.equal(row.require_two_factor, false)
  })

  // Members: one only on the sub-account, one also on an account without the policy.
  const onChild = await seedUser(app, 'admin', { accountId: child.id })
  const elsewhere = await seedUser(app, 'admin', { newAccountName: 'Elsewhere' })
  await upsertMembership(app.db, { accountId: child.id, userId: elsewhere.userId, role: 'browse' })
  const enrolled = await seedUser(app, 'browse', { accountId: child.id })
  // Signed in before the factor is seeded: with it, the sign-in would ask for a code
  // of the placeholder secret.
  const withFactor = await loginAs(app, enrolled)
  await seedConfirmedTotp(app, enrolled.userId)

  await t.test('turned on by an admin with a factor, audited', async (t) => {
    await seedConfirmedTotp(app, admin.userId)
    const saved = await adminBrowser.post(SECURITY, { require_two_factor: '1' })
    t.equal(saved.statusCode, 303)
    t.equal(saved.headers.location, `${SECURITY}?notice=saved`)
    t.match((await adminBrowser.get(SECURITY)).body, /id="require-two-factor"[^>]*checked/)
    const events = await app.db
      .selectFrom('audit_events')
      .select(['details', 'amr'])
      .where('action', '=', 'account.two_factor_policy_changed')
      .where('account_id', '=', admin.accountId)
      .execute()
    t.same(
      events.map((e) => [e.details, e.amr]),
      [[{ require_two_factor: true }, 'pwd']],
    )
    t.equal((await adminBrowser.get('/developers/applications')).statusCode, 200, 'the admin has a factor')
  })

  await t.test('the policy on the parent applies on the sub-account', async (t) => {
    const browser = await loginAs(app, onChild)
    for (const path of [
      '/',
      '/developers/applications',
      '/developers/tokens',
      '/settings/accounts/users',
      '/settings/accounts/audit',
      SECURITY,
    ]) {
      const page = await browser.get(path)
      t.equal(page.statusCode, 303, `${path} is closed`)
      t.equal(page.headers.location, ENROL, `${path} sends to enrolment`)
    }
    const post = await browser.post('/developers/tokens', { name: 'blocked', permission: 'browse' })
    t.equal(post.headers.location, ENROL, 'an action too')
    const tokens = await app.db.selectFrom('tokens').select('id').where('name', '=', 'blocked').execute()
    t.same(tokens, [], 'and it is not done')
    for (const path of ['/settings/profile', '/settings/profile/sessions', '/settings/profile/security']) {
      t.not((await browser.get(path)).headers.location, ENROL, `${path} stays reachable`)
    }
    const enrolPage = await browser.get(ENROL)
    t.match(enrolPage.body, FACTOR_REQUIRED_NOTICE, 'the page says why they were sent there')
    t.notMatch(
      (await adminBrowser.get(ENROL)).body,
      FACTOR_REQUIRED_NOTICE,
      'not to someone who has a factor',
    )
    const switched = await adminBrowser.post('/accounts/switch', { account_id: child.id })
    t.equal(switched.statusCode, 303)
    const childPage = await adminBrowser.get(SECURITY)
    t.match(childPage.body, 'Required by <strong>Acme</strong>', 'the sub-account’s page names the parent')
    await adminBrowser.post('/accounts/switch', { account_id: admin.accountId })
    const out = await browser.post('/logout', {})
    t.equal(out.headers.location, '/login', 'signing out works')
  })

  await t.test('members with a factor, and accounts without the policy, are unaffected', async (t) => {
    t.equal((await withFactor.get('/')).statusCode, 200)

    const browser = await loginAs(app, elsewhere)
    t.equal(
      (await browser.get('/')).headers.location,
      ENROL,
      'they land on Acme Child (their first account): closed',
    )
    await browser.post('/accounts/switch', { account_id: elsewhere.accountId })
    t.equal((await browser.get('/developers/applications')).statusCode, 200, 'Elsewhere has no policy')
    const switched = await browser.post('/accounts/switch', { account_id: child.id })
    t.equal(switched.statusCode, 303, 'switching is allowed')
    t.equal((await browser.get('/')).headers.location, ENROL, 'Acme Child is closed to them')
    await browser.post('/accounts/switch', { account_id: elsewhere.accountId })
    t.equal((await browser.get('/')).statusCode, 200, 'and Elsewhere open again')
  })

  await t.test(
    'the consent flow: an account under the policy cannot be chosen without a factor',
    async (t) => {
      const { application } = await seedApplication(app, { accountId: elsewhere.accountId })
      const browser = await loginAs(app, elsewhere)
      const url = `/authorize?app=${application.id}&state=s1`
      const page = await browser.get(url)
      t.match(
        page.body,
        /id="account-\d+"[^>]*disabled[\s\S]*requires a second factor/,
        'the account is offered disabled',
      )
      t.match(page.body, 'you signed in with password')
      const fields = await openConsent(browser, url)
      const refused = await decide(browser, fields, { account_id: String(child.id), decision: 'allow' })
      t.equal(refused.statusCode, 403)
      const grants = await app.db
        .selectFrom('authorizations')
        .select('id')
        .where('account_id', '=', child.id)
        .execute()
      t.same(grants, [], 'nothing is authorized there')
      const allowed = await decide(browser, await openConsent(browser, url), {
        account_id: String(elsewhere.accountId),
        decision: 'allow',
      })
      t.equal(allowed.statusCode, 200, 'another account can be chosen (the token page)')
    },
  )

  await t.test('turned off, the members go back to work', async (t) => {
    const off = await adminBrowser.post(SECURITY, {})
    t.equal(off.statusCode, 303)
    const browser = await loginAs(app, onChild)
    t.equal((await browser.get('/')).statusCode, 200)
  })
})
