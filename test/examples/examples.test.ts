import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { cpSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { revokeAuthorization } from '../../src/authorizations/service.js'
import { REPO } from '../compiled.mjs'
import { AUDIT } from '../fixtures.js'
import { DATABASE_KIND } from '../helper.js'
import { type BuiltPackage, buildPackage } from '../verifier/built-package.js'
import { serve } from '../verifier/harness.js'

/** Starts an example as a child process; resolves with its address once it prints "listening on …". */
async function start(
  t: Test,
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<string> {
  const child: ChildProcess = spawn(command, args, { cwd, env: { ...process.env, PORT: '0', ...env } })
  t.teardown(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL')
      await once(child, 'exit')
    }
  })
  let stderr = ''
  child.stderr?.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    let stdout = ''
    child.stdout?.on('data', (chunk) => {
      stdout += chunk
      const match = /listening on (http:\/\/\S+)/.exec(stdout)
      if (match?.[1]) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`the example exited with ${code}: ${stderr}`)))
  })
}

/** The four calls of the brief: 200 with an active token, 401 without, 403 with a low permission, 401 within 1 s of a revocation. */
async function exercise(
  t: Test,
  run: (built: BuiltPackage | undefined, env: Record<string, string>) => Promise<string>,
  built?: BuiltPackage,
) {
  const { app, seed, direct } = await serve(t)
  const base = await run(built, {
    LATCHKEY_URL: direct,
    LATCHKEY_SERVICE_ID: String(seed.service.id),
    LATCHKEY_SERVICE_SECRET: seed.service.secret,
  })
  const call = (method: string, path: string, token?: string) =>
    fetch(`${base}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} })

  const ok = await call('GET', '/', seed.grant.token)
  t.equal(ok.status, 200, 'an active token')
  t.match(await ok.json(), { hello: seed.admin.email, account: seed.admin.accountId })
  t.equal((await call('GET', '/')).status, 401, 'no token')
  t.equal((await call('POST', '/publish', seed.personal.token)).status, 403, 'design is below publish')
  t.equal((await call('POST', '/publish', seed.grant.token)).status, 200, 'publish')

  const revoked = performance.now()
  await revokeAuthorization(
    app.db,
    { accountId: seed.admin.accountId, applicationId: seed.reporter.application.id },
    AUDIT,
  )
  let status = 200
  while (status === 200 && performance.now() - revoked < 1000) {
    status = (await call('GET', '/', seed.grant.token)).status
  }
  t.equal(status, 401, 'a revoked token is refused within 1 s')
}

/** Copies the example into the built package, so that `latchkey/verifier/…` resolves as the package's self-reference. */
function placed(built: BuiltPackage, name: string): string {
  const dir = join(built.dir, 'examples', name)
  mkdirSync(dir, { recursive: true })
  cpSync(join(REPO, 'examples', name), dir, { recursive: true })
  return dir
}

t.test(`the example services (${DATABASE_KIND})`, async (t) => {
  const built = await buildPackage(t)
  t.equal(built.build.code, 0, built.build.stderr)

  for (const name of ['fastify-service', 'express-service'])
    await t.test(name, (t) =>
      exercise(
        t,
        (b, env) => start(t, process.execPath, ['server.mjs'], placed(b as BuiltPackage, name), env),
        built,
      ),
    )

  await t.test('python-service', (t) =>
    exercise(t, (_b, env) =>
      start(t, 'python3', ['server.py'], join(REPO, 'examples', 'python-service'), env),
    ),
  )
})
