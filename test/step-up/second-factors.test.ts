import t, { type Test } from 'tap'
import { TestClock } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'
import { addPasskey } from '../passkeys/ceremony.js'
import { SoftAuthenticator } from '../passkeys/soft-authenticator.js'
import { codeAt, enrol, toMidStep } from '../two-factor/helpers.js'
import { AGED_SECONDS, carriedFields, passkeyOptionsIn, STEP_UP_TITLE } from './helpers.js'

// CONTRACT 9: besides the password, a step-up is confirmed with a code of the
// authenticator app (or a recovery code) or with a passkey; the amr of the proof
// is recorded with step_up.confirmed. One app: the clock moves.

t.test(`step-up with a code or a passkey (${DATABASE_KIND})`, async (t) => {
  const clock = new TestClock()
  const { app } = await build(t, { now: clock.now })
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)

  const tokenNamed = async (name: string) =>
    Boolean(await app.db.selectFrom('tokens').select('id').where('name', '=', name).executeTakeFirst())
  /** The methods of the step-up.confirmed events in the person's own history, oldest first. */
  const confirmedWith = async () =>
    (
      await app.db
        .selectFrom('audit_events')
        .select('details')
        .where('action', '=', 'step_up.confirmed')
        .where('account_id', 'is', null)
        .orderBy('id')
        .execute()
    ).map((row) => row.details.method)
  /** Ages the sign-in and asks for a token: the confirmation page. */
  const askFor = async (t: Test, name: string) => {
    clock.advance(AGED_SECONDS)
    toMidStep(clock)
    const asked = await browser.post('/developers/tokens', { name, permission: 'browse' })
    t.match(asked.body, STEP_UP_TITLE, `${name}: the confirmation page`)
    return asked
  }

  await t.test('without factors, only the password is offered', async (t) => {
    const asked = await askFor(t, 'password only')
    t.notMatch(asked.body, 'step_up_code')
    t.notMatch(asked.body, 'data-passkey-step-up')
    t.notMatch(asked.body, '/assets/passkeys.js')
  })

  const { secret, recoveryCodes } = await enrol(browser, clock)

  await t.test('a code of the authenticator app confirms', async (t) => {
    const asked = await askFor(t, 'by code')
    t.match(asked.body, 'name="step_up_code"', 'the code form is offered')
    t.match(asked.body, 'or one of your recovery codes', 'and it says a recovery code works too')
    const confirmed = await browser.post('/developers/tokens', {
      ...carriedFields(asked),
      step_up_code: await codeAt(secret, clock.now()),
    })
    t.equal(confirmed.statusCode, 200)
    t.notMatch(confirmed.body, STEP_UP_TITLE)
    t.ok(await tokenNamed('by code'), 'the action goes on')
    t.same((await confirmedWith()).at(-1), 'otp', 'recorded with amr otp')
  })

  await t.test('a wrong code is refused and counted like a sign-in', async (t) => {
    const asked = await askFor(t, 'wrong code')
    const before = (await confirmedWith()).length
    const wrong = await browser.post('/developers/tokens', {
      ...carriedFields(asked),
      step_up_code: '000000',
    })
    t.equal(wrong.statusCode, 400)
    t.match(wrong.body, STEP_UP_TITLE, 'the confirmation page again')
    t.match(wrong.body, 'That code is not right.')
    t.same(carriedFields(wrong), { name: 'wrong code', permission: 'browse' }, 'the form is still carried')
    t.notOk(await tokenNamed('wrong code'), 'nothing is done')
    t.equal((await confirmedWith()).length, before, 'nothing is confirmed')
    const throttle = await app.db
      .selectFrom('login_throttle')
      .select('failures')
      .where('key', '=', `two_factor:email:${admin.email.toLowerCase()}`)
      .executeTakeFirst()
    t.equal(throttle?.failures, 1, 'one wrong code against the throttle')
    const right = await browser.post('/developers/tokens', {
      ...carriedFields(wrong),
      step_up_code: await codeAt(secret, clock.now()),
    })
    t.equal(right.statusCode, 200)
    t.ok(await tokenNamed('wrong code'), 'the right code then goes on')
  })

  await t.test('a recovery code confirms, once', async (t) => {
    const code = recoveryCodes[0] ?? ''
    const asked = await askFor(t, 'by recovery code')
    const confirmed = await browser.post('/developers/tokens', {
      ...carriedFields(asked),
      step_up_code: code,
    })
    t.equal(confirmed.statusCode, 200)
    t.ok(await tokenNamed('by recovery code'))
    t.same((await confirmedWith()).at(-1), 'otp')
    const used = await app.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'two_factor.recovery_code_used')
      .execute()
    t.ok(used.length >= 1, 'the recovery code is audited as used')
    const again = await askFor(t, 'recovery code again')
    const refused = await browser.post('/developers/tokens', { ...carriedFields(again), step_up_code: code })
    t.equal(refused.statusCode, 400, 'a used recovery code is refused')
    t.notOk(await tokenNamed('recovery code again'))
  })

  await t.test('a passkey confirms; the amr is the passkey’s', async (t) => {
    const key = new SoftAuthenticator()
    const synced = new SoftAuthenticator(undefined, undefined, true)
    t.equal((await addPasskey(browser, key)).statusCode, 201)
    t.equal((await addPasskey(browser, synced, 'Phone')).statusCode, 201)

    for (const [authenticator, amr] of [
      [key, 'hwk'],
      [synced, 'swk'],
    ] as const) {
      const asked = await askFor(t, `by ${amr}`)
      t.match(asked.body, 'Confirm with a passkey')
      t.match(asked.body, '<script type="module" src="/assets/passkeys.js"></script>', 'no inline script')
      const options = passkeyOptionsIn(asked)
      if (!options) throw new Error('no passkey options on the page')
      t.ok(browser.cookies.get('lk_passkey'), 'the challenge cookie is set')
      const confirmed = await browser.post('/developers/tokens', {
        ...carriedFields(asked),
        step_up_passkey: JSON.stringify(authenticator.assert(options)),
      })
      t.equal(confirmed.statusCode, 200)
      t.notMatch(confirmed.body, STEP_UP_TITLE)
      t.ok(await tokenNamed(`by ${amr}`), 'the action goes on')
      t.same((await confirmedWith()).at(-1), amr, `recorded with amr ${amr}`)
    }
  })

  await t.test('a bad or replayed passkey answer is refused with the page', async (t) => {
    const key = new SoftAuthenticator()
    const other = await seedUser(app, 'browse', { accountId: admin.accountId })
    t.equal((await addPasskey(await loginAs(app, other), key)).statusCode, 201)
    const asked = await askFor(t, 'bad passkey')
    const options = passkeyOptionsIn(asked)
    if (!options) throw new Error('no passkey options on the page')
    for (const [what, value] of [
      ['not JSON', 'not json at all'],
      ['not an assertion', JSON.stringify({ id: 'x' })],
      ['someone else’s passkey', JSON.stringify(key.assert(options))],
    ] as const) {
      const refused = await browser.post('/developers/tokens', {
        ...carriedFields(asked),
        step_up_passkey: value,
      })
      t.equal(refused.statusCode, 400, what)
      t.match(refused.body, 'The passkey did not confirm it’s you.')
      t.notOk(await tokenNamed('bad passkey'))
    }
    const withoutCookie = await browser.post('/developers/tokens', {
      ...carriedFields(asked),
      step_up_passkey: JSON.stringify(key.assert(options)),
    })
    t.equal(withoutCookie.statusCode, 400, 'a challenge of an earlier page is used up')
  })
})
