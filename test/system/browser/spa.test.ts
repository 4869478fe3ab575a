import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { listenOnLoopback } from '../../consent/loopback.js'
import { seedChooser } from '../../consent/people.js'
import { readmeSnippet } from '../../docs/readme-snippet.js'
import { seedApplication } from '../../fixtures.js'
import { DATABASE_KIND, PASSWORD } from '../../helper.js'
import { CHROMIUM as CHROMIUM_PACKAGE, requirePrograms } from '../require-program.js'
import { collectProblems, launchChromium } from './page-checks.js'

// README "A single-page app in the browser" (CONTRACT 10): its snippet runs as written
// in chromium, on a page served from a loopback origin (another origin than Latchkey's)
// that is a registered redirect URL; the token request is cross-origin, allowed by CORS.

const skip = requirePrograms(t, [CHROMIUM_PACKAGE])

const PAGE =
  '<!doctype html><title>SPA</title><p id="result">…</p><script type="module" src="/app.js"></script>'
const OAUTH4WEBAPI = readFileSync(
  new URL('../../../node_modules/oauth4webapi/build/index.js', import.meta.url),
)

/** The single-page app's own server: the page (at / and /callback), the README's script, the library and its config. */
async function startSpa(t: Test, config: () => string): Promise<string> {
  const files: Record<string, [string, string | Buffer]> = {
    '/app.js': ['text/javascript', readmeSnippet('spa')],
    '/oauth4webapi.js': ['text/javascript', OAUTH4WEBAPI],
  }
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/'
    const [type, body] =
      path === '/config.js'
        ? ['text/javascript', config()]
        : (files[path] ?? ['text/html; charset=utf-8', PAGE])
    response.writeHead(200, { 'content-type': type }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

t.test(`the README's single-page app signs in with PKCE and CORS (${DATABASE_KIND})`, { skip }, async (t) => {
  const { app, publicUrl } = await listenOnLoopback(t)
  const user = await seedChooser(app)
  let clientId = ''
  const spa = await startSpa(
    t,
    () => `export const ISSUER = '${publicUrl}'\nexport const CLIENT_ID = '${clientId}'\n`,
  )
  const { application } = await seedApplication(
    app,
    { accountId: user.studioId },
    { name: 'Browser App', redirect_urls: [`${spa}/callback`], permission: 'design' },
  )
  clientId = String(application.id)

  const browser = await launchChromium(t)
  const page = await browser.newPage()
  const problems = collectProblems(page)
  const crossOrigin: string[] = []
  page.on('response', (response) => {
    if (response.url().startsWith(`${publicUrl}/oauth/token`))
      crossOrigin.push(response.headers()['access-control-allow-origin'] ?? '')
  })

  await page.goto(`${spa}/`)
  await page.waitForURL(`${publicUrl}/login?**`)
  await page.fill('#email', user.email)
  await page.fill('#password', PASSWORD)
  await page.click('button[type=submit]')
  await page.waitForURL(`${publicUrl}/oauth/authorize?**`)
  await page.click('button[value=allow]')
  await page.waitForSelector('#result:has-text("Signed in")')
  t.equal(
    await page.textContent('#result'),
    `Signed in: account ${user.studioId}`,
    'the token answer arrived',
  )
  t.same(crossOrigin, [spa], 'the token request was cross-origin, allowed for the app’s origin')
  t.equal(new URL(page.url()).pathname, '/', 'the code left the address bar')
  const tokens = await app.db
    .selectFrom('tokens')
    .select('id')
    .where('application_id', '=', application.id)
    .execute()
  t.equal(tokens.length, 1, 'one application token was issued')
  t.same(problems, [], 'no script errors')
})
