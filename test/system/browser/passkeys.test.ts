import t from 'tap'
import { TestClock } from '../../fixtures.js'
import { build, DATABASE_KIND, seedFirstAdmin } from '../../helper.js'
import { CHROMIUM as CHROMIUM_PACKAGE, requirePrograms } from '../require-program.js'
import { freePort } from '../server-process.js'
import { ARTIFACTS, collectProblems, launchChromium } from './page-checks.js'

// Passkeys as a person uses them (CONTRACT 9), in Debian's chromium with a CDP
// virtual authenticator (a platform authenticator with resident keys and user
// verification): add one with a name, sign out, "Sign in with a passkey" without
// a password, confirm a step-up with it, remove it, and then it signs nobody in. PUBLIC_URL is
// http://localhost:<port>: an IP address cannot be an RP ID.

t.setTimeout(180_000)

const skip = requirePrograms(t, [CHROMIUM_PACKAGE])

t.test(
  `add a passkey, sign in with it, remove it, in headless chromium (${DATABASE_KIND})`,
  { skip },
  async (t) => {
    const port = await freePort()
    const publicUrl = `http://localhost:${port}`
    const clock = new TestClock()
    const { app } = await build(t, { publicUrl, now: clock.now })
    await app.listen({ port, host: '127.0.0.1' })
    const admin = await seedFirstAdmin(app)
    const browser = await launchChromium(t)
    const context = await browser.newContext()
    const page = await context.newPage()
    const problems = collectProblems(page)
    const cdp = await context.newCDPSession(page)
    await cdp.send('WebAuthn.enable')
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    })
    let step = 0
    const shot = async (name: string) => {
      step += 1
      await page.screenshot({
        path: `${ARTIFACTS}/passkeys-${String(step).padStart(2, '0')}-${name}.png`,
        fullPage: true,
      })
      t.same(problems.splice(0), [], `${name}: no script errors or CSP violations`)
    }

    await page.goto(`${publicUrl}/login`)
    await page.getByLabel('Email').fill(admin.email)
    await page.getByLabel('Password').fill(admin.password)
    await Promise.all([
      page.waitForURL(`${publicUrl}/`),
      page.getByRole('button', { name: 'Sign in', exact: true }).click(),
    ])

    await page.goto(`${publicUrl}/settings/profile/passkeys`)
    t.match(await page.textContent('main'), 'You have no passkeys yet.')
    await shot('none')
    await page.getByLabel('Name').fill('Virtual laptop')
    await Promise.all([
      page.waitForURL(`${publicUrl}/settings/profile/security?notice=passkey_added`),
      page.getByRole('button', { name: 'Add a passkey' }).click(),
    ])
    t.match(await page.textContent('main'), 'The passkey is added')
    t.equal(await page.textContent('td[data-label="Name"]'), 'Virtual laptop', 'listed under its name')
    t.equal(await page.textContent('td[data-label="Last used"]'), 'never')
    await shot('added')
    await page.setViewportSize({ width: 390, height: 844 })
    await shot('added-phone')
    t.ok(
      await page.evaluate(() => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
          .document
        return root.documentElement.scrollWidth <= 390
      }),
      'the list fits a phone screen',
    )
    await page.setViewportSize({ width: 1280, height: 800 })

    await Promise.all([
      page.waitForURL(`${publicUrl}/login`),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ])
    await page.goto(`${publicUrl}/login?next=/settings/profile/sessions`)
    await shot('login')
    await Promise.all([
      page.waitForURL(`${publicUrl}/settings/profile/sessions`),
      page.getByRole('button', { name: 'Sign in with a passkey' }).click(),
    ])
    t.match(await page.textContent('.user'), 'Ada Admin', 'signed in, no password typed')
    t.match(await page.textContent('main'), '(this browser)', 'the sessions page lists this session')
    await shot('sessions')
    const sessions = await app.db
      .selectFrom('sessions')
      .select('amr')
      .where('user_id', '=', admin.userId)
      .execute()
    t.same(sessions, [{ amr: 'hwk' }], 'a device-bound passkey: amr hwk')

    // Step-up (the app runs in this process: its clock moves): the sign-in ages past
    // ten minutes, creating an API token asks "Confirm it's you", the passkey confirms.
    clock.advance(11 * 60)
    await page.goto(`${publicUrl}/developers/tokens`)
    await page.getByLabel('Name').fill('confirmed by passkey')
    await page.getByRole('button', { name: 'Generate' }).click()
    await page.getByRole('heading', { name: 'Confirm it’s you' }).waitFor()
    await page.getByRole('button', { name: 'Confirm with a passkey' }).waitFor()
    await shot('step-up')
    await Promise.all([
      page.waitForURL(`${publicUrl}/developers/tokens`),
      page.getByRole('button', { name: 'Confirm with a passkey' }).click(),
    ])
    await page.getByText('confirmed by passkey').first().waitFor()
    t.match(await page.textContent('main'), 'confirmed by passkey', 'the token is made after the passkey')
    const confirmed = await app.db
      .selectFrom('audit_events')
      .select('details')
      .where('action', '=', 'step_up.confirmed')
      .where('account_id', 'is', null)
      .execute()
    t.same(
      confirmed.map((row) => row.details.method),
      ['hwk'],
      'step_up.confirmed with the passkey’s amr',
    )
    await shot('stepped-up')

    await page.goto(`${publicUrl}/settings/profile/passkeys`)
    t.match(await page.textContent('td[data-label="Last used"]'), / UTC$/, 'its last use is shown')
    await page.getByLabel('Current password').fill(admin.password)
    await Promise.all([
      page.waitForURL(`${publicUrl}/settings/profile/security?notice=passkey_removed`),
      page.getByRole('button', { name: /^Remove/ }).click(),
    ])
    t.match(await page.textContent('main'), 'You have no passkeys yet.')
    await shot('removed')

    await Promise.all([
      page.waitForURL(`${publicUrl}/login`),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ])
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    const problem = page.locator('[data-passkey-sign-in] [data-passkey-problem]')
    await problem.waitFor({ state: 'visible' })
    t.match(await problem.textContent(), 'could not sign you in', 'the removed passkey signs nobody in')
    t.equal(new URL(page.url()).pathname, '/login', 'still on the sign-in page')
    await shot('refused')
  },
)
