import t from 'tap'
import { factorsOf } from '../../src/two-factor/has-factor.js'
import { verifySecondFactorCode } from '../../src/two-factor/verify-code.js'
import { appWithCapturedLog, storedText, TestClock } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin } from '../helper.js'
import {
  actionsAbout,
  codeAt,
  enrol,
  recoveryCodesIn,
  SECURITY,
  startEnrolment,
  toMidStep,
} from './helpers.js'

const at = (clock: TestClock, seconds: number) => new Date(clock.now().getTime() + seconds * 1000)

// One app for the whole life of a factor: every build is a fresh database, the slow part.
t.test(`TOTP enrolment, codes and recovery codes (${DATABASE_KIND})`, async (t) => {
  const clock = new TestClock()
  toMidStep(clock)
  const { app, config } = await build(t, { now: clock.now })
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const check = (code: string) => verifySecondFactorCode(app.db, config, admin.userId, code)

  const empty = await browser.get(SECURITY)
  t.equal(empty.statusCode, 200)
  t.match(empty.body, 'Set up an authenticator app')
  t.match(empty.body, 'href="/settings/profile/security" aria-current="page"', 'the Security tab')

  const { secret, page } = await startEnrolment(browser)
  t.match(secret, /^[A-Z2-7]{32}$/, '160 bits in base32, as text on the page')
  t.match(
    page,
    /<svg role="img" aria-label="QR code[^"]*"[^>]*viewBox/,
    'the QR code, drawn on the server as SVG',
  )
  t.notMatch(page, /<img[^>]+src="https?:/, 'no image from elsewhere')
  t.equal((await factorsOf(app.db, admin.userId)).totp, false, 'a pending factor does not count')
  t.equal(await check(await codeAt(secret, clock.now())), null, 'nor do its codes')

  const stored = await storedText(app, ['totp_factors'])
  t.ok(
    stored.some((value) => value.startsWith('v1.')),
    'the secret is stored sealed',
  )
  t.notOk(
    stored.some((value) => value.includes(secret)),
    'the base32 secret is nowhere in the row',
  )

  const wrong = await browser.post(`${SECURITY}/totp/confirm`, { code: await codeAt(secret, at(clock, 600)) })
  t.equal(wrong.statusCode, 400, 'a wrong code does not confirm')
  t.match(wrong.body, 'That code is not right')
  const junk = await browser.post(`${SECURITY}/totp/confirm`, { code: 'x'.repeat(5000) })
  t.equal(junk.statusCode, 400, 'nor does junk, with a page')

  const confirmed = await browser.post(`${SECURITY}/totp/confirm`, {
    code: await codeAt(secret, clock.now()),
  })
  t.equal(confirmed.statusCode, 200)
  const recoveryCodes = recoveryCodesIn(confirmed.body)
  t.equal(recoveryCodes.length, 10, 'ten recovery codes, shown once')
  t.equal(new Set(recoveryCodes).size, 10)
  t.equal((await factorsOf(app.db, admin.userId)).totp, true)
  t.same(recoveryCodesIn((await browser.get(SECURITY)).body), [], 'not shown again')
  t.match((await browser.get(SECURITY)).body, '10 unused recovery code(s) left')
  const storedCodes = await storedText(app, ['recovery_codes'])
  t.notOk(
    recoveryCodes.some((code) => storedCodes.some((value) => value.includes(code.replace('-', '')))),
    'recovery codes are stored as hashes only',
  )
  t.same(
    (await actionsAbout(app, admin.userId)).filter((action) => action.startsWith('two_factor.')),
    [
      'two_factor.totp_enabled',
      'two_factor.totp_enabled',
      'two_factor.recovery_codes_generated',
      'two_factor.recovery_codes_generated',
    ],
    'audited in the person history and their account',
  )
  t.equal(
    (await browser.post(`${SECURITY}/totp`, {})).statusCode,
    409,
    'a second set-up is refused while one is confirmed',
  )

  await t.test('the window: one step either side; each code once', async (t) => {
    clock.advance(90) // past the step the enrolment used
    t.equal(await check(await codeAt(secret, at(clock, -60))), null, 'refused at -60 s')
    t.equal(await check(await codeAt(secret, at(clock, 60))), null, 'refused at +60 s')
    t.equal(await check(await codeAt(secret, at(clock, -30))), 'otp', 'accepted at -30 s')
    const now = await codeAt(secret, clock.now())
    t.equal(await check(now), 'otp', 'accepted now')
    t.equal(await check(now), null, 'the same code again: refused')
    t.equal(
      await check(await codeAt(secret, at(clock, -30))),
      null,
      'an earlier step after a later one: refused',
    )
    t.equal(await check(await codeAt(secret, at(clock, 30))), 'otp', 'accepted at +30 s')
    t.equal(await check('12345'), null, 'five digits')
    t.equal(await check(''), null, 'nothing')

    clock.advance(90)
    const code = await codeAt(secret, clock.now())
    const both = await Promise.all([check(code), check(code)])
    t.same(both.sort(), ['otp', null].sort(), 'the same code sent twice at once passes once')
    clock.advance(30)
    t.equal(
      await check((await codeAt(secret, clock.now())).replace(/^(...)/, '$1 ')),
      'otp',
      'typed with a space',
    )
    clock.advance(30)
    const other = 'another-session-secret-that-is-long-enough-0123'
    const code2 = await codeAt(secret, clock.now())
    const replaced = { ...config, sessionSecrets: [other] }
    t.equal(
      await verifySecondFactorCode(app.db, replaced, admin.userId, code2),
      null,
      'SESSION_SECRET replaced entirely: the secret cannot be opened, no code passes (and nothing throws)',
    )
    const rotated = { ...config, sessionSecrets: [other, ...config.sessionSecrets] }
    t.equal(
      await verifySecondFactorCode(app.db, rotated, admin.userId, code2),
      'otp',
      'the old secret still listed after a new first one: codes pass',
    )
    clock.advance(30)
    t.equal(
      await verifySecondFactorCode(app.db, replaced, admin.userId, await codeAt(secret, clock.now())),
      'otp',
      'and the secret was sealed again under the new first secret: the old one can go',
    )
  })

  let fresh: string[] = []
  await t.test('recovery codes: each once; regenerating voids the old set', async (t) => {
    const [first, second, third] = recoveryCodes as [string, string, string]
    t.equal(await check(first), 'recovery')
    t.equal(await check(first), null, 'used once only')
    t.equal(
      await check(second.toUpperCase().replace('-', ' ')),
      'recovery',
      'case, dash and spaces do not matter',
    )
    const both = await Promise.all([check(third), check(third)])
    t.same(both.sort(), ['recovery', null].sort(), 'the same code sent twice at once passes once')
    t.equal(await check('aaaaa-aaaaa'), null, 'a made-up code')
    t.match((await browser.get(SECURITY)).body, '7 unused recovery code(s) left')

    const regenerated = await browser.post(`${SECURITY}/recovery-codes`, {})
    t.equal(regenerated.statusCode, 200)
    fresh = recoveryCodesIn(regenerated.body)
    t.equal(fresh.length, 10)
    t.equal(await check(recoveryCodes[4] as string), null, 'an unused code of the old set no longer works')
    t.equal(await check(fresh[0] as string), 'recovery', 'the new set does')
    const actions = await actionsAbout(app, admin.userId)
    t.equal(
      actions.filter((a) => a === 'two_factor.recovery_code_used').length,
      8,
      '4 uses, in 2 places each',
    )
    t.equal(actions.filter((a) => a === 'two_factor.recovery_codes_generated').length, 4)
  })

  await t.test('removing the authenticator needs the password or a code', async (t) => {
    const wrong = await browser.post(`${SECURITY}/totp/remove`, { current_password: 'not it', code: '' })
    t.equal(wrong.statusCode, 400)
    t.match(wrong.body, 'Your current password is not right')
    const wrongCode = await browser.post(`${SECURITY}/totp/remove`, { current_password: '', code: '000000' })
    t.equal(wrongCode.statusCode, 400)
    t.match(wrongCode.body, 'That code is not right')
    t.equal((await factorsOf(app.db, admin.userId)).totp, true, 'still there')

    clock.advance(30)
    // A recovery code: the app's secret is sealed under another SESSION_SECRET by now
    // (the window test), which this app does not list; recovery codes are hashes.
    const removed = await browser.post(`${SECURITY}/totp/remove`, { code: fresh[1] as string })
    t.equal(removed.statusCode, 303)
    t.equal(removed.headers.location, `${SECURITY}?notice=totp_removed`)
    t.equal((await factorsOf(app.db, admin.userId)).totp, false)
    t.same(await storedText(app, ['recovery_codes']), [], 'the recovery codes went with it')
    t.ok((await actionsAbout(app, admin.userId)).includes('two_factor.totp_removed'))
    t.match((await browser.get(SECURITY)).body, 'Set up an authenticator app')
  })
})

t.test(`the TOTP secret and the codes never reach the log (${DATABASE_KIND})`, async (t) => {
  const clock = new TestClock()
  toMidStep(clock)
  const { app, lines } = await appWithCapturedLog(t, { now: clock.now })
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const { secret, recoveryCodes } = await enrol(browser, clock)
  clock.advance(30)
  const code = await codeAt(secret, clock.now())
  await browser.post('/logout', {})
  await browser.login(admin.email)
  const signedIn = await browser.post('/login/two-factor', { code })
  t.equal(signedIn.statusCode, 303)
  const log = lines.join('\n')
  t.match(log, 'signed in with a second factor', 'the log was captured')
  for (const secretText of [secret, code, ...recoveryCodes]) {
    t.notOk(log.includes(secretText), 'a secret is not in the log')
  }
})
