import t, { type Test } from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { postWithoutCsrf, seedApplication, TestClock } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, PASSWORD, seedFirstAdmin, seedUser } from '../helper.js'
import { AGED_SECONDS, carriedFields, confirmWithPassword, STEP_UP_TITLE } from './helpers.js'

// CONTRACT 9: the listed actions need a sign-in within ten minutes, or a confirmation
// after which the same action goes on with its form intact. One app: the clock moves.

t.test(`step-up before the listed actions (${DATABASE_KIND})`, async (t) => {
  const clock = new TestClock()
  const { app } = await build(t, { now: clock.now })
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)

  const tokenNamed = (name: string) =>
    app.db.selectFrom('tokens').selectAll().where('name', '=', name).executeTakeFirst()
  const stepUps = async () =>
    (
      await app.db
        .selectFrom('audit_events')
        .select('amr')
        .where('action', '=', 'step_up.confirmed')
        .where('account_id', 'is', null)
        .execute()
    ).length

  await t.test('a fresh sign-in needs no confirmation', async (t) => {
    const created = await browser.post('/developers/tokens', { name: 'fresh', permission: 'browse' })
    t.equal(created.statusCode, 200)
    t.notMatch(created.body, STEP_UP_TITLE)
    t.ok(await tokenNamed('fresh'), 'the token is made at once')
  })

  /**
   * The action at `url` with `fields`, after the sign-in has aged: refused with the
   * confirmation page (nothing done), then done once the password confirms it.
   */
  async function stepUpThrough(
    t: Test,
    url: string,
    fields: Record<string, string>,
    done: () => Promise<boolean>,
  ) {
    clock.advance(AGED_SECONDS)
    const asked = await browser.post(url, fields)
    t.equal(asked.statusCode, 200, 'the confirmation page')
    t.match(asked.body, STEP_UP_TITLE)
    t.match(asked.body, `action="${url}"`, 'it posts back to the same URL')
    t.same(carriedFields(asked), fields, 'every field of the form is carried')
    t.notOk(await done(), 'nothing is done before the confirmation')
    const before = await stepUps()
    const confirmed = await confirmWithPassword(browser, url, asked, PASSWORD)
    t.notMatch(confirmed.body, STEP_UP_TITLE)
    t.ok(await done(), 'done after it')
    t.equal(await stepUps(), before + 1, 'step_up.confirmed in the person’s history')
    return confirmed
  }

  await t.test('creating an API token: the name and permission arrive', async (t) => {
    const fields = { name: 'after step-up', permission: 'design', expires_in_days: '7' }
    const confirmed = await stepUpThrough(t, '/developers/tokens', fields, async () =>
      Boolean(await tokenNamed('after step-up')),
    )
    t.equal(confirmed.statusCode, 200)
    t.match(confirmed.body, 'after step-up')
    const token = await tokenNamed('after step-up')
    t.equal(token?.permission, 'design')
    t.ok(token?.expires_at, 'the expiry arrived too')
    const session = await app.db.selectFrom('sessions').select('authenticated_at').executeTakeFirstOrThrow()
    t.ok(
      Math.abs((session.authenticated_at?.getTime() ?? 0) - clock.now().getTime()) < 5_000,
      'the session counts as just signed in',
    )
    const again = await browser.post('/developers/tokens', {
      name: 'within ten minutes',
      permission: 'browse',
    })
    t.notMatch(again.body, STEP_UP_TITLE, 'no second confirmation within ten minutes')
    t.ok(await tokenNamed('within ten minutes'))
  })

  await t.test('regenerating a client secret', async (t) => {
    const { application } = await seedApplication(app, admin)
    const hash = async () =>
      (
        await app.db
          .selectFrom('applications')
          .select('client_secret_hash')
          .where('id', '=', application.id)
          .executeTakeFirstOrThrow()
      ).client_secret_hash
    const confirmed = await stepUpThrough(
      t,
      `/developers/applications/${application.id}/secret`,
      {},
      async () => (await hash()) !== application.client_secret_hash,
    )
    t.match(confirmed.body, 'A new client secret was generated')
  })

  await t.test('changing and removing a member', async (t) => {
    const member = await seedUser(app, 'browse', { accountId: admin.accountId })
    const role = async () =>
      (
        await app.db
          .selectFrom('memberships')
          .select('role')
          .where('user_id', '=', member.userId)
          .executeTakeFirst()
      )?.role
    const changed = await stepUpThrough(
      t,
      `/settings/accounts/users/${member.userId}/role`,
      { role: 'publish' },
      async () => (await role()) === 'publish',
    )
    t.equal(changed.statusCode, 303)
    await stepUpThrough(
      t,
      `/settings/accounts/users/${member.userId}/remove`,
      {},
      async () => (await role()) === undefined,
    )
  })

  await t.test('deleting an application and a sub-account', async (t) => {
    const { application } = await seedApplication(app, admin)
    const appGone = async () =>
      !(await app.db
        .selectFrom('applications')
        .select('id')
        .where('id', '=', application.id)
        .executeTakeFirst())
    await stepUpThrough(t, `/developers/applications/${application.id}/delete`, {}, appGone)
    const sub = await createAccount(app.db, { name: 'Doomed', parentId: admin.accountId })
    const subGone = async () =>
      !(await app.db.selectFrom('accounts').select('id').where('id', '=', sub.id).executeTakeFirst())
    await stepUpThrough(t, `/settings/accounts/sub-accounts/${sub.id}/delete`, {}, subGone)
  })

  await t.test('a wrong password does not act, and is counted like a sign-in', async (t) => {
    clock.advance(AGED_SECONDS)
    const fields = { name: 'never made', permission: 'browse' }
    const asked = await browser.post('/developers/tokens', fields)
    const wrong = await browser.post('/developers/tokens', {
      ...carriedFields(asked),
      step_up_password: 'not the password at all',
    })
    t.equal(wrong.statusCode, 400)
    t.match(wrong.body, STEP_UP_TITLE, 'the confirmation page again')
    t.match(wrong.body, 'password is not right')
    t.notMatch(wrong.body, 'not the password at all', 'the guess is not echoed')
    t.same(carriedFields(wrong), fields, 'the form is still carried')
    t.notOk(await tokenNamed('never made'))
    const throttle = await app.db
      .selectFrom('login_throttle')
      .select('failures')
      .where('key', '=', `email:${admin.email.toLowerCase()}`)
      .executeTakeFirst()
    t.equal(throttle?.failures, 1, 'one failure against the sign-in throttle')

    const right = await confirmWithPassword(browser, '/developers/tokens', wrong, PASSWORD)
    t.equal(right.statusCode, 200)
    t.ok(await tokenNamed('never made'), 'the right password then goes on')
  })

  await t.test('the confirmation still needs the CSRF token', async (t) => {
    clock.advance(AGED_SECONDS)
    const fields = { name: 'cross-site', permission: 'browse' }
    const asked = await browser.post('/developers/tokens', fields)
    const forged = await postWithoutCsrf(browser, '/developers/tokens', {
      ...carriedFields(asked),
      step_up_password: PASSWORD,
    })
    t.equal(forged.statusCode, 403)
    t.notOk(await tokenNamed('cross-site'))
    const withoutAtFirst = await postWithoutCsrf(browser, '/developers/tokens', fields)
    t.equal(withoutAtFirst.statusCode, 403, 'nor is the confirmation page shown without it')
  })

  await t.test('a member without the role gets the refusal, not the confirmation', async (t) => {
    const browse = await seedUser(app, 'browse', { accountId: admin.accountId })
    const member = await loginAs(app, browse)
    clock.advance(AGED_SECONDS)
    const refused = await member.post('/developers/tokens', { name: 'no role', permission: 'browse' })
    t.equal(refused.statusCode, 403)
    t.notMatch(refused.body, STEP_UP_TITLE)
  })
})
