import { existsSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Browser, chromium, type Page } from 'playwright-core'
import type { Teardown } from '../../helper.js'

// Shared plumbing for the dashboard walk-through in Debian's chromium: launching it
// (never downloading one; the suites install it through requirePrograms), a catcher server standing in for the
// application, screenshots per page and a keyboard-reachability probe.

export const CHROMIUM = '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
export const ARTIFACTS = 'test-artifacts/browser'

// The browser suites run in one process (the browser suite, test/suites.ts) and share one
// chromium: each test gets it with launchChromium and its pages and contexts are
// closed when the test ends. Chromium's pipe keeps the process alive, so a browser
// no test has asked for within IDLE_MS is closed (the next test asks within a
// second or two; one that comes later launches another).
const IDLE_MS = 5_000
let shared: Promise<Browser> | undefined
let users = 0
let idleTimer: NodeJS.Timeout | undefined

/** Chromium (/usr/bin/chromium) for one test; a missing binary is a loud failure (requirePrograms runs first). */
export async function launchChromium(t: Teardown): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`)
  }
  clearTimeout(idleTimer)
  users += 1
  shared ??= chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true })
  const launching = shared
  const browser = await launching
  const before = new Set(browser.contexts())
  t.teardown(async () => {
    await Promise.all(
      browser.contexts().map((context) => (before.has(context) ? undefined : context.close())),
    )
    users -= 1
    if (users > 0) return
    idleTimer = setTimeout(() => {
      if (shared === launching) shared = undefined
      void browser.close()
    }, IDLE_MS)
  })
  mkdirSync(ARTIFACTS, { recursive: true })
  return browser
}

/** Script errors and CSP violations seen by a page (failed resource loads such as a 401 are expected). */
export function collectProblems(page: Page): string[] {
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${message.text()}`)
    }
  })
  return problems
}

/** The project's tsconfig has no DOM library: the little of it these checks use, typed here. */
type InPage = { document: { activeElement: { blur(): void } | null } }

/** Presses Tab from the top of the page until the element matching selector has focus. */
export async function reachableByKeyboard(page: Page, selector: string, maxTabs = 30): Promise<boolean> {
  const target = page.locator(selector).first()
  await target.waitFor()
  await page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.blur())
  for (let i = 0; i < maxTabs; i += 1) {
    await page.keyboard.press('Tab')
    if (
      await target.evaluate((element) => element === (globalThis as unknown as InPage).document.activeElement)
    )
      return true
  }
  return false
}

/** The application's callback: a page whose own script reads the token from its query. */
const CATCHER_PAGE = `<!doctype html><title>Catcher</title>
<p>Token: <output id="token"></output> Account: <output id="account"></output> State: <output id="state"></output></p>
<script>
  const query = new URLSearchParams(location.search)
  for (const name of ['token', 'account', 'state']) {
    document.getElementById(name).textContent = query.get(name === 'account' ? 'account_id' : name) || ''
  }
</script>`

export async function startCatcher(t: Teardown): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(CATCHER_PAGE)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
