import t from 'tap'
import { listenOnLoopback } from '../../consent/loopback.js'
import { DATABASE_KIND, seedFirstAdmin } from '../../helper.js'
import { linksIn, startMailbox } from '../../mailbox.js'
import { CHROMIUM as CHROMIUM_PACKAGE, requirePrograms } from '../require-program.js'
import { ARTIFACTS, collectProblems, launchChromium, reachableByKeyboard } from './page-checks.js'

// Sign-up as a person does it, in Debian's chromium (CONTRACT 8): the sign-in page's
// "Create an account" link, the form, "Check your email", the activation link taken from
// a real SMTP server, and the dashboard. Every page gets a screenshot
// (test-artifacts/browser/signup-*.png) and must log no script or CSP errors.

// A few seconds alone; a loaded 2-core box with chromium and argon2 can take far longer than tap's 30 s.
t.setTimeout(180_000)

const PERSON = {
  name: 'Sam Signup',
  email: 'sam@example.com',
  password: 'correct horse battery',
  account: 'Sam Studio',
}

const skip = requirePrograms(t, [CHROMIUM_PACKAGE])

t.test(
  `sign-up → check your email → activation → dashboard in headless chromium (${DATABASE_KIND})`,
  { skip },
  async (t) => {
    const mailbox = await startMailbox(t)
    const { app, publicUrl } = await listenOnLoopback(t, { signup: 'open', smtpUrl: mailbox.url })
    await seedFirstAdmin(app) // someone else's installation: /login is the way in, not /setup
    const browser = await launchChromium(t)
    const page = await browser.newPage()
    const problems = collectProblems(page)

    let step = 0
    async function checkPage(name: string, primary?: string): Promise<void> {
      step += 1
      await page.screenshot({
        path: `${ARTIFACTS}/signup-${String(step).padStart(2, '0')}-${name}.png`,
        fullPage: true,
      })
      if (primary) t.ok(await reachableByKeyboard(page, primary), `${name}: ${primary} is reachable with Tab`)
      t.same(problems.splice(0), [], `${name}: no script errors or CSP violations`)
    }

    await page.goto(`${publicUrl}/login`)
    await checkPage('login', 'a[href="/signup"]')
    await page.getByRole('link', { name: 'Create an account' }).click()
    await page.waitForURL(`${publicUrl}/signup`)
    t.equal(await page.textContent('h1'), 'Create an account')
    await checkPage('form', 'button:has-text("Create account")')

    await page.getByLabel('Your name').fill(PERSON.name)
    await page.getByLabel('Email').fill(PERSON.email)
    await page.getByLabel('Password').fill(PERSON.password)
    await page.getByLabel('Account name').fill(PERSON.account)
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: 'Create account' }).click(),
    ])
    t.equal(await page.textContent('h1'), 'Check your email!')
    t.match(
      await page.textContent('main'),
      `We've sent a message to ${PERSON.email} with an activation link in it.`,
      'the seed page copy, naming the address',
    )
    await checkPage('check-your-email')

    const mail = await mailbox.next(30_000)
    const [link] = linksIn(mail).filter((l) => new URL(l).pathname === '/activate')
    t.ok(link, 'the mail holds the activation link')
    t.match(link, `${publicUrl}/activate?token=`, 'an absolute link under PUBLIC_URL')
    await page.goto(link ?? '')
    await page.waitForURL(`${publicUrl}/`)
    t.equal(await page.textContent('h1'), 'Overview', 'signed in on the dashboard, no confirm step')
    t.equal(await page.textContent('.user'), PERSON.name)
    t.match(await page.textContent('main'), PERSON.account)
    await checkPage('dashboard', 'main a[href="/developers/applications"]')

    await page.goto(link ?? '')
    t.equal(await page.textContent('h1'), 'This activation link is not valid', 'a second use does nothing')
    await checkPage('link-used')
  },
)
