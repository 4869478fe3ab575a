import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { seedClient } from '../../consent/flow-helpers.js'
import { listenOnLoopback } from '../../consent/loopback.js'
import { seedChooser } from '../../consent/people.js'
import { readmeSnippet } from '../../docs/readme-snippet.js'
import { DATABASE_KIND, type Teardown } from '../../helper.js'
import { CHROMIUM as CHROMIUM_PACKAGE, requirePrograms } from '../require-program.js'
import { ARTIFACTS, collectProblems, launchChromium } from './page-checks.js'

// The device flow (CONTRACT 10, RFC 8628) end to end: the README's openid-client
// example runs as written, in its own node process, as the device; a real chromium
// (Debian's, driven by playwright-core) is the person completing /device with the
// code the example prints: sign in, type the code, choose the account, allow.

const skip = requirePrograms(t, [CHROMIUM_PACKAGE])
const REPO = join(import.meta.dirname, '..', '..', '..')

interface Device {
  /** Resolves with the user code once the example has printed it. */
  userCode: Promise<string>
  /** Resolves with everything the example wrote once it has ended. */
  ended: Promise<{ code: number | null; stdout: string; stderr: string }>
}

/** Runs the README's device-flow block from a file next to node_modules, so its import resolves. */
function runDeviceExample(t: Teardown, env: Record<string, string>): Device {
  // Under node_modules/.cache: inside the repository for module resolution, ignored by git.
  mkdirSync(join(REPO, 'node_modules', '.cache'), { recursive: true })
  const folder = mkdtempSync(join(REPO, 'node_modules', '.cache', 'readme-device-'))
  t.teardown(() => rmSync(folder, { recursive: true, force: true }))
  const file = join(folder, 'device-flow.mjs')
  writeFileSync(file, readmeSnippet('device-flow'))
  const child = spawn(process.execPath, [file], { env: { PATH: process.env.PATH ?? '', ...env } })
  t.teardown(() => {
    if (child.exitCode === null) child.kill()
  })
  let stdout = ''
  let stderr = ''
  let foundCode: (code: string) => void = () => {}
  const userCode = new Promise<string>((resolve, reject) => {
    foundCode = resolve
    child.on('close', () => reject(new Error(`the example ended without a code: ${stdout} ${stderr}`)))
  })
  child.stdout.on('data', (chunk) => {
    stdout += chunk
    const code = /enter the code ([A-Z]{4}-[A-Z]{4})/.exec(stdout)?.[1]
    if (code) foundCode(code)
  })
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const ended = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  )
  return { userCode, ended }
}

t.test(
  `the README's device flow with a person in headless chromium (${DATABASE_KIND})`,
  { skip },
  async (t) => {
    const { app, publicUrl } = await listenOnLoopback(t)
    const user = await seedChooser(app)
    const { application } = await seedClient(app, user, { name: 'Terminal Tool', permission: 'design' })

    const device = runDeviceExample(t, { LATCHKEY_URL: publicUrl, CLIENT_ID: String(application.id) })
    const userCode = await device.userCode
    t.match(userCode, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/, 'the example prints the code')

    const browser = await launchChromium(t)
    const page = await browser.newPage()
    const problems = collectProblems(page)
    await page.goto(`${publicUrl}/device`)
    t.match(page.url(), `${publicUrl}/login?next=`, 'signed out: the login page first')
    await page.fill('#email', user.email)
    await page.fill('#password', user.password)
    await page.click('button[type=submit]')
    await page.waitForURL(`${publicUrl}/device`)

    // As a person types it: lower case, no hyphen.
    await page.fill('#user_code', userCode.replace('-', '').toLowerCase())
    await page.press('#user_code', 'Enter')
    await page.waitForURL(`${publicUrl}/device?user_code=${userCode}`)
    t.equal(await page.textContent('h1'), 'Authorize Terminal Tool', 'the consent page')
    t.equal(await page.textContent('#user-code'), userCode, 'showing the code to compare with the device')
    t.ok(await page.isDisabled(`#account-${user.archiveId}`), 'the browse account cannot be chosen')
    t.match(await page.textContent(`#reason-${user.archiveId}`), 'Needs the design role')
    await page.screenshot({ path: `${ARTIFACTS}/device-consent-${DATABASE_KIND}.png`, fullPage: true })

    await page.check(`#account-${user.studioKidsId}`)
    await page.click('button[value=allow]')
    await page.waitForSelector('text=You can return to your device')
    t.same(problems, [], 'no script errors or CSP violations')

    const { code, stdout, stderr } = await device.ended
    t.equal(code, 0, stderr)
    t.match(stdout, `Authorized on account ${user.studioKidsId} (Studio Kids)`, 'the token worked on the API')
  },
)
