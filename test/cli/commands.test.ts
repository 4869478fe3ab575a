import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import type { CliIo } from '../../src/cli/command.js'
import { COMMANDS } from '../../src/cli/commands.js'
import { runCli } from '../../src/cli/run.js'
import { authorize, nextFeedEvent, personalToken, runLatchkey, seedApplication } from '../fixtures.js'
import { DATABASE_KIND, seedFirstAdmin, TEST_SECRET, testConfig } from '../helper.js'
import { openServerDatabase, serverDatabaseEnv } from '../system/server-process.js'
import { verify } from '../validation/fixtures.js'

t.setTimeout(600_000) // PGlite opens its data directory once per command

const VERSION = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string
  }
).version
const BASE_ENV = { SESSION_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', PUBLIC_URL: 'http://localhost:3000' }

/** `latchkey <argv>` in this process: its exit code and what it wrote. */
async function cli(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text) }
  const code = await runCli(argv, { ...BASE_ENV, DATA_DIR: '/nonexistent', ...env }, io)
  return { code, stdout: out.join(''), stderr: err.join('') }
}

t.test('help, version and usage errors for every command', async (t) => {
  for (const command of COMMANDS) {
    const words = command.name.split(' ')
    const help = await cli([...words, '--help'])
    t.equal(help.code, 0, `${command.name} --help exits 0`)
    t.match(help.stdout, new RegExp(`^Usage: latchkey ${command.name}`), `and shows its usage`)
    t.equal(help.stderr, '')
    t.same(await cli(['help', ...words]), help, `help ${command.name} says the same`)
    const unknown = await cli([...words, '--bogus'])
    t.equal(unknown.code, 2, `${command.name} --bogus is a usage error`)
    const [line, blank, ...usage] = unknown.stderr.split('\n')
    t.equal(line, 'latchkey: unknown option --bogus', 'one line')
    t.equal(blank, '')
    t.match(usage.join('\n'), `Usage: latchkey ${command.name}`, "then the command's usage")
    t.equal(unknown.stdout, '')
  }

  const general = await cli(['--help'])
  t.equal(general.code, 0)
  for (const command of COMMANDS)
    t.match(general.stdout, `\n  ${command.name}`, `--help lists ${command.name}`)
  t.same(await cli(['help']), general, 'help alone is --help')
  const users = await cli(['users', '--help'])
  t.equal(users.code, 0)
  t.match(users.stdout, 'users create')
  t.notMatch(users.stdout, 'services create', 'a group lists its own commands')

  t.same(await cli(['--version']), { code: 0, stdout: `latchkey ${VERSION}\n`, stderr: '' })
  t.same(JSON.parse((await cli(['--version', '--json'])).stdout), { version: VERSION })

  for (const [argv, message] of [
    [[], 'no command given'],
    [['frobnicate'], 'unknown command: frobnicate'],
    [['users'], 'unknown command: users'],
    [['help', 'frobnicate'], 'unknown command: frobnicate'],
    [['--bogus'], 'unknown option --bogus'],
    [['tokens', 'revoke'], 'tokens revoke needs <id>'],
    [['tokens', 'revoke', '1', '2'], 'unexpected argument: 2'],
    [['tokens', 'revoke', 'abc'], 'the token id must be a positive whole number; got "abc"'],
    [['apps', 'list'], '--account-id must be a positive whole number'],
    [['apps', 'list', '--account-id'], 'option --account-id needs a value'],
    [['services', 'list', '--email', 'a@example.com'], 'unknown option --email'],
  ] as const) {
    const run = await cli([...argv])
    t.equal(run.code, 2, `${argv.join(' ') || '(nothing)'}: exit 2`)
    t.equal(run.stderr.split('\n')[0], `latchkey: ${message}`)
    t.match(run.stderr, /\n\nUsage: latchkey /, 'with the usage')
  }
  const badConfig = await cli(['apps', 'list', '--account-id', '1'], { PORT: 'abc' })
  t.same(badConfig, {
    code: 2,
    stdout: '',
    stderr: 'latchkey: PORT must be a whole number from 0 to 65535; got "abc"\n',
  })

  // The same exit codes from the real command.
  const version = await runLatchkey(['--version'], {})
  t.same([version.code, version.stdout], [0, `latchkey ${VERSION}\n`], 'the process: --version')
  const unknown = await runLatchkey(['apps', 'list', '--nope'], {})
  t.equal(unknown.code, 2, 'the process: an unknown option exits 2')
  t.match(unknown.stderr, /^latchkey: unknown option --nope\n\nUsage: latchkey apps list/)
})

t.test(`tokens revoke, apps list and openapi (${DATABASE_KIND})`, async (t) => {
  const env = await serverDatabaseEnv(t)
  const config = testConfig()
  let database = await openServerDatabase(env)
  let app = await buildApp(config, { database, logger: false })
  await app.ready()
  const admin = await seedFirstAdmin(app)
  const { application } = await seedApplication(app, admin, {
    name: 'Billing <b>',
    redirect_url: 'https://billing.example.com/cb',
  })
  const grant = await authorize(app, application, admin)
  await personalToken(app, admin, 'admin')
  t.equal((await verify(app, grant.token)).statusCode, 200, 'the token works and is cached')
  const documented = (await app.inject({ url: '/docs/openapi.json' })).json()
  const listed = (
    await app.inject({
      url: '/api/v1/applications',
      headers: { authorization: `Bearer ${await personalToken(app, admin, 'browse')}` },
    })
  ).json()
  if (DATABASE_KIND === 'pglite') {
    // One process at a time on the embedded database: the "server" stops while the command runs.
    await app.close()
    await database.close()
  }

  const changed = DATABASE_KIND === 'postgres' ? nextFeedEvent(app) : Promise.resolve()
  const revoke = await cli(['tokens', 'revoke', String(grant.tokenId), '--json'], env)
  t.equal(revoke.code, 0, revoke.stderr)
  t.same(JSON.parse(revoke.stdout), {
    id: grant.tokenId,
    kind: 'application',
    account_id: admin.accountId,
    changed: true,
  })
  if (DATABASE_KIND === 'postgres') {
    const started = performance.now()
    await changed
    t.equal((await verify(app, grant.token)).statusCode, 401, 'the running instance drops it')
    t.ok(performance.now() - started < 1_000, 'within a second')
  }
  const again = await cli(['tokens', 'revoke', String(grant.tokenId)], env)
  t.same(again, {
    code: 0,
    stdout: `application token ${grant.tokenId} of account ${admin.accountId} was already revoked\n`,
    stderr: '',
  })
  const missing = await cli(['tokens', 'revoke', '999999'], env)
  t.same(missing, { code: 1, stdout: '', stderr: 'latchkey: No token has the id 999999.\n' })

  const apps = await cli(['apps', 'list', '--account-id', String(admin.accountId)], env)
  t.equal(apps.code, 0, apps.stderr)
  t.same(apps.stdout.split('\n'), [
    'ID      PERMISSION  NAME         REDIRECT URL',
    `${application.id}  browse      Billing <b>  https://billing.example.com/cb`,
    '',
  ])
  const appsJson = await cli(['apps', 'list', '--account-id', String(admin.accountId), '--json'], env)
  t.same(JSON.parse(appsJson.stdout), listed, 'the same objects as GET /api/v1/applications')
  t.notMatch(appsJson.stdout, /secret/, 'no client secret, not even its hash')
  const noAccount = await cli(['apps', 'list', '--account-id', '999999'], env)
  t.same(noAccount, { code: 1, stdout: '', stderr: 'latchkey: No account has the id 999999.\n' })

  const openapi = await cli(['openapi'], env)
  t.equal(openapi.code, 0, openapi.stderr)
  t.same(JSON.parse(openapi.stdout), documented, 'the document GET /docs/openapi.json serves')

  if (DATABASE_KIND === 'pglite') {
    database = await openServerDatabase(env)
    app = await buildApp(config, { database, logger: false })
    await app.ready()
    t.equal((await verify(app, grant.token)).statusCode, 401, 'the token is inactive')
  }
  const events = await database.db
    .selectFrom('audit_events')
    .select(['account_id', 'actor_label', 'target_id'])
    .where('action', '=', 'application_token.revoked')
    .execute()
  t.same(events, [{ account_id: admin.accountId, actor_label: 'cli', target_id: String(grant.tokenId) }])
  await app.close()
  await database.close()
})
