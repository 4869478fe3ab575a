import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { CREATE_FIRST_ADMIN, runLatchkey } from '../fixtures.js'
import { DATABASE_KIND, PASSWORD } from '../helper.js'
import { openServerDatabase, serverDatabaseEnv } from '../system/server-process.js'

// Some twenty CLI runs, each a Node process opening its database: beyond the default 180 s on a busy machine.
t.setTimeout(900_000)

const cli = runLatchkey

t.test(`latchkey migrate, users create, services (${DATABASE_KIND})`, async (t) => {
  const env = await serverDatabaseEnv(t, { empty: true })

  const migrate = await cli(['migrate', '--json'], env)
  t.equal(migrate.code, 0, migrate.stderr)
  const migrations = readdirSync(join(import.meta.dirname, '..', '..', 'migrations'))
    .filter((name) => name.endsWith('.sql'))
    .map((name) => name.replace(/\.sql$/, ''))
    .sort()
  t.same(JSON.parse(migrate.stdout), { applied: migrations }, 'every migration, in order')
  const again = await cli(['migrate'], env)
  t.equal(again.stdout.trim(), 'database is up to date')

  const created = await cli(CREATE_FIRST_ADMIN, env, `${PASSWORD}\n`)
  t.equal(created.code, 0, created.stderr)
  const first = JSON.parse(created.stdout)
  t.same(Object.keys(first).sort(), ['account_id', 'user_id'])
  t.equal(first.account_id, 200001)

  const second = await cli(
    [
      'users',
      'create',
      '--email',
      'dev@example.com',
      '--name',
      'Dev',
      '--role',
      'design',
      '--account-id',
      String(first.account_id),
      '--json',
    ],
    env,
    `${PASSWORD}\n`,
  )
  t.equal(second.code, 0, second.stderr)
  t.equal(JSON.parse(second.stdout).account_id, first.account_id, 'added to the existing account')

  const existing = await cli(
    [
      'users',
      'create',
      '--email',
      'OPS@example.com',
      '--name',
      'Ops',
      '--role',
      'browse',
      '--account',
      'Second',
      '--json',
    ],
    env,
    '',
  )
  t.equal(existing.code, 0, existing.stderr)
  const third = JSON.parse(existing.stdout)
  t.equal(third.user_id, first.user_id, 'an existing user just gains the role')
  t.not(third.account_id, first.account_id)

  const badRole = await cli(
    ['users', 'create', '--email', 'x@example.com', '--role', 'owner', '--account', 'A'],
    env,
    PASSWORD,
  )
  t.equal(badRole.code, 2)
  t.match(badRole.stderr, /^latchkey: --role must be one of/)
  const badPassword = await cli(
    ['users', 'create', '--email', 'y@example.com', '--name', 'Y', '--role', 'browse', '--account', 'A'],
    env,
    'short',
  )
  t.equal(badPassword.code, 1)
  t.match(badPassword.stderr, 'password must be at least 10 characters')
  const missingAccount = await cli(
    [
      'users',
      'create',
      '--email',
      'z@example.com',
      '--name',
      'Z',
      '--role',
      'browse',
      '--account-id',
      '999999',
    ],
    env,
    PASSWORD,
  )
  t.not(missingAccount.code, 0)
  t.match(missingAccount.stderr, 'account 999999 does not exist')

  const service = await cli(['services', 'create', '--name', 'gateway', '--json'], env)
  t.equal(service.code, 0, service.stderr)
  const { id, secret } = JSON.parse(service.stdout)
  t.type(id, 'number')
  t.match(secret, /^lks_[A-Za-z0-9_-]{43}$/)
  const list = await cli(['services', 'list', '--json'], env)
  const services = JSON.parse(list.stdout).services
  t.same(
    services.map((s: { name: string; revoked_at: unknown }) => [s.name, s.revoked_at]),
    [['gateway', null]],
  )
  t.notMatch(list.stdout, secret, 'the secret is never listed')
  t.equal((await cli(['services', 'revoke', String(id)], env)).code, 0)
  const revokedAgain = await cli(['services', 'revoke', String(id)], env)
  t.equal(revokedAgain.code, 2)

  const database = await openServerDatabase(env)
  t.teardown(() => database.close())
  const users = await database.db
    .selectFrom('users')
    .select(['email', 'password_hash'])
    .orderBy('id')
    .execute()
  t.same(
    users.map((u) => u.email),
    ['ops@example.com', 'dev@example.com'],
  )
  for (const user of users) {
    t.match(user.password_hash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/, 'argon2id at OWASP parameters')
    t.notMatch(user.password_hash, PASSWORD)
  }
  const row = await database.db.selectFrom('services').select('secret_hash').executeTakeFirstOrThrow()
  t.not(row.secret_hash, secret, 'only a hash of the service secret is stored')
})

t.test('the CLI reports bad configuration in one line', async (t) => {
  const run = await cli(['migrate'], { PORT: 'abc' })
  t.equal(run.code, 2)
  t.equal(run.stderr, 'latchkey: PORT must be a whole number from 0 to 65535; got "abc"\n')
  const unknown = await cli(['frobnicate'], { DATA_DIR: '/tmp/latchkey-unused' })
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, 'unknown command')
  const help = await cli(['--help'], {})
  t.equal(help.code, 0)
  t.match(help.stdout, 'users create --email E --name N --role R')
})
