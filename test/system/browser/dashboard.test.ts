import t from 'tap'
import { listenOnLoopback } from '../../consent/loopback.js'
import { DATABASE_KIND } from '../../helper.js'
import { CHROMIUM as CHROMIUM_PACKAGE, requirePrograms } from '../require-program.js'
import {
  ARTIFACTS,
  collectProblems,
  launchChromium,
  reachableByKeyboard,
  startCatcher,
} from './page-checks.js'

// The dashboard as a person uses it, in Debian's chromium: first-run setup, registering an
// application, authorizing it into a catcher page, an API token, revoking the application,
// adding a user and a sub-account, the audit log, signing out. Every page gets a screenshot
// (test-artifacts/browser), must log no script or CSP errors, and its main control must be
// reachable with the Tab key.

// About 10 s alone; on a loaded 2-core CI box chromium and argon2 can take far longer than tap's 30 s.
t.setTimeout(180_000)

const ADMIN = {
  name: 'Ada Admin',
  email: 'ada@example.com',
  password: 'correct horse battery',
  account: 'Studio',
}

async function bearer(base: string, token: string): Promise<number> {
  const response = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })
  await response.arrayBuffer()
  return response.status
}

const skip = requirePrograms(t, [CHROMIUM_PACKAGE])

t.test(`the dashboard walk-through in headless chromium (${DATABASE_KIND})`, { skip }, async (t) => {
  const browser = await launchChromium(t)
  const { publicUrl } = await listenOnLoopback(t)
  const catcher = await startCatcher(t)
  const page = await browser.newPage()
  const problems = collectProblems(page)
  page.on('dialog', (dialog) => dialog.accept())

  let step = 0
  /** Screenshot, no console errors, and the page's main control reachable by keyboard. */
  async function checkPage(name: string, primary?: string): Promise<void> {
    step += 1
    await page.screenshot({
      path: `${ARTIFACTS}/${String(step).padStart(2, '0')}-${name}.png`,
      fullPage: true,
    })
    if (primary) t.ok(await reachableByKeyboard(page, primary), `${name}: ${primary} is reachable with Tab`)
    t.same(problems.splice(0), [], `${name}: no script errors or CSP violations`)
  }
  const mainNav = page.getByRole('navigation', { name: 'Main' })
  const settingsTabs = page.getByRole('navigation', { name: 'Account settings' })

  // First run: / sends a fresh installation to /setup.
  await page.goto(`${publicUrl}/`)
  t.equal(page.url(), `${publicUrl}/setup`, 'a fresh Latchkey opens the setup page')
  await checkPage('setup', 'button:has-text("Create administrator")')
  await page.getByLabel('Your name').fill(ADMIN.name)
  await page.getByLabel('Email').fill(ADMIN.email)
  await page.getByLabel('Password').fill(ADMIN.password)
  await page.getByLabel('Account name').fill(ADMIN.account)
  await page.getByRole('button', { name: 'Create administrator' }).click()
  await page.waitForURL(`${publicUrl}/`)
  t.equal(await page.textContent('h1'), 'Overview', 'signed in on the overview')
  t.equal(await page.textContent('.user'), ADMIN.name)
  await checkPage('overview', 'main a[href="/developers/applications"]')

  // Register an application whose redirect URL is the catcher.
  await mainNav.getByRole('link', { name: 'Applications' }).click()
  await page.waitForURL(`${publicUrl}/developers/applications`)
  await checkPage('applications', 'a:has-text("Add Another Application")')
  await page.getByRole('link', { name: 'Add Another Application' }).click()
  await page.waitForURL(`${publicUrl}/developers/applications/new`)
  await checkPage('application-form', 'button:has-text("Create application")')
  await page.fill('#name', 'Catcher App')
  await page.fill('#description', 'A stand-in application that catches the token.')
  await page.fill('#url', 'https://catcher.example.com')
  await page.fill('#redirect_urls', `${catcher}/callback`)
  await page.selectOption('#permission', 'design')
  await page.getByRole('button', { name: 'Create application' }).click()
  await page.waitForSelector('#authorize-url')
  t.equal(await page.textContent('h1'), 'Catcher App', 'the details page of the new application')
  const authorizeUrl = await page.inputValue('#authorize-url')
  t.match(authorizeUrl, `${publicUrl}/authorize?app=`, 'it shows the authorization URL')
  await checkPage('application-details', 'button[data-copy="#authorize-url"]')

  // Authorize it, as its user would, and let the catcher read the token.
  await page.goto(authorizeUrl)
  t.equal(await page.textContent('h1'), 'Authorize Catcher App', 'the consent page')
  await checkPage('consent', 'button[value=allow]')
  await page.getByRole('button', { name: 'Allow' }).click()
  await page.waitForURL(`${catcher}/callback?**`)
  const appToken = (await page.textContent('#token')) ?? ''
  t.match(appToken, /^lka_/, 'the catcher page read the application token')
  await checkPage('catcher')
  t.equal(await bearer(publicUrl, appToken), 200, 'the application token works')

  // An API token, shown once.
  await page.goto(`${publicUrl}/`)
  await mainNav.getByRole('link', { name: 'API Tokens' }).click()
  await page.waitForURL(`${publicUrl}/developers/tokens`)
  await checkPage('tokens', 'button:has-text("Generate")')
  await page.getByLabel('Name').fill('Deploy script')
  await page.selectOption('#token-permission', 'publish')
  await page.getByRole('button', { name: 'Generate' }).click()
  await page.waitForSelector('#new-token')
  const apiToken = await page.inputValue('#new-token')
  t.ok(apiToken.length > 20, 'the new API token is shown')
  await checkPage('token-created', 'button[data-copy="#new-token"]')
  t.equal(await bearer(publicUrl, apiToken), 200, 'the API token works on /api/v1/me')
  await mainNav.getByRole('link', { name: 'API Tokens' }).click()
  await page.waitForURL(`${publicUrl}/developers/tokens`)
  t.equal(await page.locator('#new-token').count(), 0, 'the token is not shown again')
  t.match(await page.textContent('main table'), 'Deploy script', 'the token is listed by name')

  // Revoke the application from Settings › Accounts › Apps (accepting the confirmation).
  await mainNav.getByRole('link', { name: 'Settings' }).click()
  await page.waitForURL(`${publicUrl}/settings/accounts/apps`)
  t.match(await page.textContent('main table'), 'Catcher App', 'the authorized app is listed')
  await checkPage('authorized-apps', 'main button:has-text("Revoke")')
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Revoke' }).click()])
  t.match(await page.textContent('main'), 'No application is authorized on this account.', 'the app is gone')
  await checkPage('authorized-apps-revoked')
  t.equal(await bearer(publicUrl, appToken), 401, 'the revoked application token gets 401')
  t.equal(await bearer(publicUrl, apiToken), 200, 'the API token still works')

  // Invite a user (the Users page invites; nobody joins without accepting).
  await settingsTabs.getByRole('link', { name: 'Users' }).click()
  await page.waitForURL(`${publicUrl}/settings/accounts/users`)
  await checkPage('users', 'button:has-text("Invite")')
  await page.fill('#email', 'bo@example.com')
  await page.selectOption('#role', 'browse')
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Invite' }).click()])
  t.match(await page.textContent('#invitations'), 'bo@example.com', 'the invitation is listed as pending')
  await checkPage('users-invited')

  // Create a sub-account.
  await settingsTabs.getByRole('link', { name: 'Sub-accounts' }).click()
  await page.waitForURL(`${publicUrl}/settings/accounts/sub-accounts`)
  await checkPage('sub-accounts', 'button:has-text("Create sub-account")')
  await page.fill('#name', 'Studio Kids')
  await Promise.all([
    page.waitForEvent('load'),
    page.getByRole('button', { name: 'Create sub-account' }).click(),
  ])
  const inputs = await page.locator('main table input[name=name]').all()
  const names = await Promise.all(inputs.map((input) => input.inputValue()))
  t.same(names, ['Studio Kids'], 'the sub-account is listed')
  await checkPage('sub-accounts-created')

  // The audit log shows what happened.
  await settingsTabs.getByRole('link', { name: 'Audit log' }).click()
  await page.waitForURL(`${publicUrl}/settings/accounts/audit`)
  const actions = await page.locator('main tbody td code').allTextContents()
  for (const action of [
    'setup.completed',
    'application.created',
    'api_token.created',
    'application.authorized',
    'authorization.revoked',
  ]) {
    t.ok(actions.includes(action), `the audit log shows ${action}`)
  }
  await checkPage('audit-log', 'button:has-text("Filter")')

  // Sign out.
  await checkPage('before-sign-out', 'button:has-text("Sign out")')
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.waitForURL((url) => !url.pathname.startsWith('/settings'))
  await page.goto(`${publicUrl}/developers/tokens`)
  t.match(page.url(), `${publicUrl}/login`, 'signed out: the dashboard asks to sign in again')
  await checkPage('signed-out', 'button[type=submit]')
})
