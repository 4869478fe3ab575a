import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { REPO } from '../../compiled.mjs'
import { CREATE_FIRST_ADMIN, runProcess } from '../../fixtures.js'
import { DATABASE_KIND, PASSWORD } from '../../helper.js'
import { GIT, requirePrograms } from '../require-program.js'
import { freePort, httpOnce, serverDatabaseEnv, startServerProcess } from '../server-process.js'

const run = promisify(execFile)
const DOCKERFILE = readFileSync(join(REPO, 'Dockerfile'), 'utf8')

/** The Docker build context: the files git would commit, filtered by .dockerignore's allow-list. */
async function buildContext(into: string): Promise<string[]> {
  const allowed = readFileSync(join(REPO, '.dockerignore'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).trim())
  const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
  })
  const files = stdout
    .split('\n')
    .filter((f) => f && existsSync(join(REPO, f)))
    .filter((f) => allowed.some((a) => (a.endsWith('/') ? f.startsWith(a) : f === a)))
  for (const file of files) {
    mkdirSync(dirname(join(into, file)), { recursive: true })
    cpSync(join(REPO, file), join(into, file))
  }
  return files
}

async function npm(cwd: string, args: string[]): Promise<void> {
  await run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd,
    env: { ...process.env, NODE_ENV: '' },
    maxBuffer: 64 * 1024 * 1024,
  })
}

function cli(cwd: string, args: string[], env: Record<string, string>, stdin = '') {
  return runProcess(process.execPath, ['dist/cli.js', ...args], { cwd, env }, stdin)
}

t.setTimeout(600_000) // an npm install and a TypeScript build

const skip = requirePrograms(t, [GIT])

t.test(`the image's build and start steps, without Docker (${DATABASE_KIND})`, { skip }, async (t) => {
  for (const step of [
    'RUN npm ci --ignore-scripts --no-audit --no-fund',
    'RUN npm run build',
    'RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund',
    'COPY --from=build /app/dist ./dist',
    'COPY migrations ./migrations',
    'COPY views ./views',
    'USER node',
    'ENTRYPOINT ["node", "dist/cli.js"]',
    'CMD ["serve"]',
  ]) {
    t.ok(DOCKERFILE.includes(step), `the Dockerfile has: ${step}`)
  }
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }
  t.ok(DOCKERFILE.includes(`ARG VERSION=${version}`), "the image's version label follows package.json")
  for (const label of ['title', 'description', 'version', 'revision', 'created', 'licenses']) {
    t.match(DOCKERFILE, `org.opencontainers.image.${label}=`, `the OCI label ${label}`)
  }

  const work = mkdtempSync(join(tmpdir(), 'latchkey-image-'))
  t.teardown(() => rmSync(work, { recursive: true, force: true }))
  const build = join(work, 'build')
  const app = join(work, 'app')

  // Stage 1: the build context, all dependencies, the TypeScript build.
  const files = await buildContext(build)
  t.ok(
    files.includes('src/cli.ts') && files.includes('migrations/0001_init.sql'),
    'the context has the sources',
  )
  t.notOk(
    files.some((f) => f.startsWith('test/')),
    'and no tests',
  )
  // The Dockerfile's `npm ci --ignore-scripts` (checked above) installs what this test run
  // already has, from the same package-lock.json, so the build borrows it: a second full
  // install cost some 40 s of CPU a run. The production install below is the image's own.
  symlinkSync(join(REPO, 'node_modules'), join(build, 'node_modules'), 'dir')
  await run('npm', ['run', 'build'], { cwd: build })
  t.ok(existsSync(join(build, 'dist', 'cli.js')), 'dist/cli.js built')

  // Stage 2: production dependencies only, plus dist/, migrations/ and views/.
  mkdirSync(app)
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(build, file), join(app, file))
  await npm(app, ['ci', '--omit=dev', '--ignore-scripts'])
  cpSync(join(build, 'dist'), join(app, 'dist'), { recursive: true })
  cpSync(join(build, 'migrations'), join(app, 'migrations'), { recursive: true })
  cpSync(join(build, 'views'), join(app, 'views'), { recursive: true })
  for (const dev of ['typescript', 'tsx', 'tap', '@biomejs/biome']) {
    t.notOk(existsSync(join(app, 'node_modules', dev)), `no ${dev} in the runtime image`)
  }
  t.ok(existsSync(join(app, 'node_modules', 'argon2')), 'argon2 is there')
  if (Number(process.versions.napi) < 10) {
    // argon2's bundled prebuilt binary declares Node-API 10 (Node >= 22.14; the image runs 26) and
    // crashes older Node on load. On such a machine, use the argon2 that `npm ci` compiled for it.
    t.comment(
      `Node ${process.version} has Node-API ${process.versions.napi}: using the locally compiled argon2`,
    )
    const compiled = join(REPO, 'node_modules', 'argon2', 'build', 'Release', 'argon2.node')
    if (existsSync(compiled)) {
      mkdirSync(join(app, 'node_modules', 'argon2', 'build', 'Release'), { recursive: true })
      cpSync(compiled, join(app, 'node_modules', 'argon2', 'build', 'Release', 'argon2.node'))
    } else {
      await run('npm', ['rebuild', 'argon2'], { cwd: app, maxBuffer: 64 * 1024 * 1024 })
    }
  }

  const port = await freePort()
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    SESSION_SECRET: 'image-test-session-secret-0123456789abcdef',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    ...(await serverDatabaseEnv(t, { empty: true })),
  }

  // `docker run IMAGE migrate` and `docker run -i IMAGE users create …` (argon2 from its prebuilt binary).
  const migrate = await cli(app, ['migrate'], env)
  t.equal(migrate.code, 0, `migrate: ${migrate.stderr}`)
  const user = await cli(app, CREATE_FIRST_ADMIN, env, `${PASSWORD}\n`)
  t.equal(user.code, 0, `users create: ${user.stderr}`)
  t.match(JSON.parse(user.stdout || '{}'), { user_id: Number, account_id: Number })

  // `docker run IMAGE` (CMD serve).
  const server = await startServerProcess(t, [process.execPath, 'dist/cli.js'], env, app)
  t.equal(server.port, port)
  const ready = await httpOnce(port, '/readyz')
  t.equal(ready.status, 200)
  t.match(JSON.parse(ready.body), { status: 'ready', database: DATABASE_KIND })

  // A real sign-in: views, cookies, CSRF and argon2 all work from the runtime files.
  const page = await httpOnce(port, '/login')
  t.equal(page.status, 200)
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
  const cookie = ([] as string[])
    .concat(page.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ')
  const login = await httpOnce(port, '/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ _csrf: csrf, email: 'ops@example.com', password: PASSWORD }).toString(),
  })
  t.equal(login.status, 303, 'signed in')

  // The HEALTHCHECK command, exactly as the Dockerfile gives it.
  const healthcheck = /HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])/.exec(DOCKERFILE)?.[1]
  t.ok(healthcheck, 'the Dockerfile has an exec-form HEALTHCHECK')
  const [bin = '', ...args] = JSON.parse(healthcheck ?? '[]') as string[]
  t.equal(bin, 'node')
  const probe = await run(process.execPath, args, { cwd: app, env }).then(
    () => 0,
    (error: { code?: number }) => error.code ?? 1,
  )
  t.equal(probe, 0, 'the health check passes')

  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0, 'SIGTERM stops it cleanly')
})
