import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { seedClient } from '../consent/flow-helpers.js'
import { listenOnLoopback } from '../consent/loopback.js'
import { seedChooser } from '../consent/people.js'
import { readmeSnippet } from '../docs/readme-snippet.js'
import { DATABASE_KIND, loginAs, type Teardown } from '../helper.js'
import { exchangeCode, obtainCode } from './oauth-helpers.js'

// The README's openid-client examples for the refresh_token and client_credentials
// grants (CONTRACT 10), run as written with node against a listening Latchkey.

const REDIRECT = 'https://app.example.com/cb'

/** Runs a README snippet as an ES module beside the sources (so `openid-client` resolves); its last stdout line as JSON. */
async function runSnippet(t: Teardown, name: string, env: Record<string, string>): Promise<unknown> {
  const file = join(import.meta.dirname, `.readme-${name}-${process.pid}.mjs`)
  writeFileSync(file, readmeSnippet(name))
  t.teardown(() => rmSync(file, { force: true }))
  const child = spawn(process.execPath, [file], { env: { PATH: process.env.PATH ?? '', ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const [code] = await once(child, 'close')
  if (code !== 0) throw new Error(`snippet ${name} exited ${code}: ${stderr}`)
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '')
}

async function setup(t: Teardown) {
  const { app, publicUrl } = await listenOnLoopback(t)
  const user = await seedChooser(app)
  const { application, clientSecret } = await seedClient(app, user, {
    redirect_url: REDIRECT,
    permission: 'design',
    access_token_lifetime: 3600,
  })
  const env = { ISSUER: publicUrl, CLIENT_ID: String(application.id), CLIENT_SECRET: clientSecret }
  return { app, user, application, clientSecret, env }
}

t.test(`openid-client refreshTokenGrant, as the README shows it (${DATABASE_KIND})`, async (t) => {
  const { app, user, application, clientSecret, env } = await setup(t)
  const browser = await loginAs(app, user)
  const code = await obtainCode(browser, application, user.studioId)
  const first = await exchangeCode(app, { application, clientSecret }, code, REDIRECT)
  t.equal(first.statusCode, 200, first.body)
  const refreshToken = String(first.json().refresh_token)
  t.match(refreshToken, /^lkr_/)

  const out = await runSnippet(t, 'refresh-token-grant', { ...env, REFRESH_TOKEN: refreshToken })
  t.match(out, { rotated: true, me: 200 }, 'a new refresh token, and the new access token works on /api/v1')
  const expiresIn = (out as { expires_in: number }).expires_in
  t.ok(expiresIn > 3500 && expiresIn <= 3600, `expires_in ${expiresIn} is the application's lifetime`)
  const chain = await app.db
    .selectFrom('refresh_tokens')
    .select(['used_at'])
    .where('application_id', '=', application.id)
    .orderBy('id')
    .execute()
  t.equal(chain.length, 2, 'the refresh token and its successor')
  t.ok(chain[0]?.used_at, 'the one sent is spent')
  t.equal(chain[1]?.used_at, null, 'its successor is live')

  const replay = runSnippet(t, 'refresh-token-grant', { ...env, REFRESH_TOKEN: refreshToken })
  await t.rejects(
    replay,
    /invalid_grant/,
    'the spent refresh token is refused by the library as invalid_grant',
  )
})

t.test(`openid-client clientCredentialsGrant, as the README shows it (${DATABASE_KIND})`, async (t) => {
  const { app, user, application, env } = await setup(t)
  const out = await runSnippet(t, 'client-credentials-grant', env)
  t.match(
    out,
    { scope: 'browse', me: { user: null, account: { id: user.studioId } } },
    "the scope asked for; /api/v1/me answers for the application's account, with no user",
  )
  const expiresIn = (out as { expires_in: number }).expires_in
  t.ok(expiresIn > 3500 && expiresIn <= 3600, `expires_in ${expiresIn} is the application's lifetime`)
  const issued = await app.db
    .selectFrom('tokens')
    .select(['kind', 'permission', 'user_id'])
    .where('application_id', '=', application.id)
    .execute()
  t.same(
    issued,
    [{ kind: 'client', permission: 'browse', user_id: null }],
    'one client token, no refresh token',
  )
  t.equal(
    (await app.db.selectFrom('refresh_tokens').select('id').execute()).length,
    0,
    'no refresh token (RFC 6749 4.4.3)',
  )
})
