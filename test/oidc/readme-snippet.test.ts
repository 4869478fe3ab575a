import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { consentFields, seedClient } from '../consent/flow-helpers.js'
import { HttpBrowser, listenOnLoopback } from '../consent/loopback.js'
import { seedChooser } from '../consent/people.js'
import { readmeSnippet } from '../docs/readme-snippet.js'
import { DATABASE_KIND, PASSWORD } from '../helper.js'

const REDIRECT = 'http://127.0.0.1:9/callback'

// The README's "Sign people in with OpenID Connect" example, run as written with node
// against a listening Latchkey; the person's part (login, consent) by this test over HTTP.
t.test(`the README's oidc-code-flow snippet runs (${DATABASE_KIND})`, async (t) => {
  const { app, publicUrl } = await listenOnLoopback(t)
  const user = await seedChooser(app)
  const { application, clientSecret } = await seedClient(app, user, { redirect_url: REDIRECT })
  // Beside the sources, so that `import 'openid-client'` resolves from node_modules.
  const file = join(import.meta.dirname, `.readme-snippet-${process.pid}.mjs`)
  writeFileSync(file, readmeSnippet('oidc-code-flow'))
  t.teardown(() => rmSync(file, { force: true }))

  const child = spawn(process.execPath, [file], {
    env: {
      PATH: process.env.PATH ?? '',
      ISSUER: publicUrl,
      CLIENT_ID: String(application.id),
      CLIENT_SECRET: clientSecret,
      REDIRECT_URI: REDIRECT,
    },
  })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const firstLine = new Promise<string>((resolve) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0] as string)
    })
  })
  const exited = once(child, 'close')
  const authorizationUrl = await Promise.race([firstLine, exited.then(() => `exited: ${stderr}`)])
  t.match(authorizationUrl, `${publicUrl}/oauth/authorize?`, 'it prints the authorization URL')

  const browser = new HttpBrowser(publicUrl)
  const toLogin = await browser.get(authorizationUrl)
  const loginPage = await browser.get(String(toLogin.location))
  const csrf = /name="_csrf" value="([^"]+)"/.exec(loginPage.body)?.[1] ?? ''
  const next = /name="next" value="([^"]*)"/.exec(loginPage.body)?.[1]?.replace(/&amp;/g, '&') ?? ''
  const signedIn = await browser.postForm('/login', {
    _csrf: csrf,
    email: user.email,
    password: PASSWORD,
    next,
  })
  const consent = await browser.get(String(signedIn.location))
  t.match(consent.body, /learns your name and your email address/)
  const allowed = await browser.postForm('/authorize', {
    ...consentFields(consent.body),
    decision: 'allow',
    account_id: String(user.studioId),
  })
  t.equal(allowed.status, 303)
  child.stdin.end(`${allowed.location}\n`)
  const [code] = await exited
  t.equal(code, 0, stderr)
  t.same(JSON.parse(stdout.split('\n')[1] ?? ''), {
    sub: String(user.userId),
    account_id: user.studioId,
    email: user.email,
  })
})
