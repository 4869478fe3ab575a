import { existsSync, mkdirSync } from 'node:fs'
import t from 'tap'
import { listenOnLoopback } from '../../consent/loopback.js'
import { seedChooser } from '../../consent/people.js'
import { seedApplication } from '../../fixtures.js'
import { DATABASE_KIND } from '../../helper.js'
import { CHROMIUM as CHROMIUM_PACKAGE, requirePrograms } from '../require-program.js'
import { CHROMIUM, collectProblems, launchChromium, startCatcher } from './page-checks.js'

// The application flow (CONTRACT 4a) in a real browser: Debian's chromium, driven by
// playwright-core, from the authorization URL through login and consent to a small
// catcher page standing in for the application. It never downloads a browser:
// requirePrograms installs Debian's chromium, or skips naming it (a failure under CI=true).

const skip = requirePrograms(t, [CHROMIUM_PACKAGE])

t.test(`the application flow in headless chromium (${DATABASE_KIND})`, { skip }, async (t) => {
  t.ok(existsSync(CHROMIUM), `${CHROMIUM} must be installed (apt-get install -y chromium)`)
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package`)
  const { app, publicUrl } = await listenOnLoopback(t)
  const catcher = await startCatcher(t)
  const user = await seedChooser(app)
  const { application } = await seedApplication(
    app,
    { accountId: user.studioId },
    {
      name: 'Catcher App',
      description: 'A stand-in application that catches the token.',
      url: 'https://catcher.example.com',
      redirect_url: `${catcher}/callback?from=latchkey`,
      permission: 'design',
    },
  )

  const browser = await launchChromium(t)
  const page = await browser.newPage()
  // Script errors and CSP violations; failed loads (the 401 of the wrong password, favicons) are expected.
  const problems = collectProblems(page)

  await page.goto(`${publicUrl}/authorize?app=${application.id}&state=from-the-browser`)
  t.match(page.url(), `${publicUrl}/login?next=`, 'sent to the login page')
  await page.fill('#email', user.email)
  await page.fill('#password', 'not the password')
  await page.click('button[type=submit]')
  t.match(await page.textContent('.problem'), 'Wrong email or password', 'a failed attempt first')
  await page.fill('#password', user.password)
  await page.click('button[type=submit]')
  await page.waitForURL(`${publicUrl}/authorize?**`)
  t.match(page.url(), 'state=from-the-browser', 'back at the same authorization request')

  t.equal(await page.textContent('h1'), 'Authorize Catcher App')
  t.ok(await page.isChecked(`#account-${user.studioId}`), 'an eligible account is preselected')
  t.ok(await page.isDisabled(`#account-${user.archiveId}`), 'the browse account cannot be chosen')
  t.match(await page.textContent(`#reason-${user.archiveId}`), 'Needs the design role')
  mkdirSync('test-artifacts', { recursive: true })
  await page.screenshot({ path: `test-artifacts/consent-page-${DATABASE_KIND}.png`, fullPage: true })

  await page.check(`#account-${user.studioKidsId}`)
  await page.click('button[value=allow]')
  await page.waitForURL(`${catcher}/callback?**`)
  const landed = new URL(page.url())
  t.equal(landed.searchParams.get('from'), 'latchkey', "the redirect URL's own query is kept")
  const token = (await page.textContent('#token')) ?? ''
  t.match(token, /^lka_[0-9A-Za-z]{49}$/, 'the catcher page read the token')
  t.equal(await page.textContent('#account'), String(user.studioKidsId))
  t.equal(await page.textContent('#state'), 'from-the-browser')
  t.same(problems, [], 'no script errors or CSP violations')

  const me = await fetch(`${publicUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(me.status, 200, 'the token works')
  t.equal(((await me.json()) as { account: { id: number } }).account.id, user.studioKidsId)
})
