import t from 'tap'
import { createSession } from '../../src/auth/sessions.js'
import type { DatabaseHandle } from '../../src/db/connect.js'
import { linkTokenHash } from '../../src/security/link-tokens.js'
import { verifyPassword } from '../../src/security/passwords.js'
import { setupFirstAdmin } from '../../src/users/service.js'
import { type ProcessRun, runLatchkey } from '../fixtures.js'
import { DATABASE_KIND, PASSWORD } from '../helper.js'
import { openServerDatabase, serverDatabaseEnv } from '../system/server-process.js'

const NEW_PASSWORD = 'set by the operator 42'

function cli(args: string[], env: Record<string, string>, stdin = ''): Promise<ProcessRun> {
  return runLatchkey(args, { PUBLIC_URL: 'https://auth.example.com', ...env }, stdin)
}

// Each process start is slow: one database, four runs of the real command.
t.test(`latchkey users set-password and reset-link (${DATABASE_KIND})`, async (t) => {
  const env = await serverDatabaseEnv(t)
  let database: DatabaseHandle = await openServerDatabase(env)
  const db = database.db
  const email = 'ops@example.com'
  const { userId } = await setupFirstAdmin(
    db,
    { email, name: 'Ops', password: PASSWORD, accountName: 'Acme' },
    { ip: '', userAgent: 'test' },
  )
  const times = { now: new Date(), idleSeconds: 3600, maxSeconds: 3600 }
  await createSession(db, userId, null, times)
  await createSession(db, userId, null, times)
  // PGlite holds its data directory: the command can open it only once this handle is closed.
  const reopen = async () => {
    if (DATABASE_KIND === 'postgres') return
    await database.close()
    database = await openServerDatabase(env)
  }
  t.teardown(() => database.close().catch(() => {}))
  if (DATABASE_KIND !== 'postgres') await database.close()

  const set = await cli(
    ['users', 'set-password', '--email', 'OPS@example.com', '--json'],
    env,
    `${NEW_PASSWORD}\n`,
  )
  t.equal(set.code, 0, set.stderr)
  t.same(JSON.parse(set.stdout), { user_id: userId, sessions_ended: 2 })

  const link = await cli(['users', 'reset-link', '--email', email], env)
  t.equal(link.code, 0, link.stderr)
  const url = new URL(link.stdout.trim())
  t.equal(
    `${url.origin}${url.pathname}`,
    'https://auth.example.com/password/reset',
    'the same link as the mail',
  )

  const unknown = await cli(['users', 'reset-link', '--email', 'nobody@example.com'], env)
  t.not(unknown.code, 0)
  t.equal(unknown.stderr, 'latchkey: no user with email nobody@example.com\n', 'one clear line')
  const unknownSet = await cli(
    ['users', 'set-password', '--email', 'nobody@example.com'],
    env,
    `${NEW_PASSWORD}\n`,
  )
  t.not(unknownSet.code, 0)
  t.equal(unknownSet.stderr.trim().split('\n').length, 1)

  if (DATABASE_KIND !== 'postgres') await reopen()
  const current = database.db
  const user = await current
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .executeTakeFirstOrThrow()
  t.ok(await verifyPassword(user.password_hash, NEW_PASSWORD), 'the password is set')
  const sessions = await current.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()
  t.equal(sessions.length, 0, "the user's sessions ended")
  const stored = await current
    .selectFrom('user_links')
    .selectAll()
    .where('token_hash', '=', linkTokenHash(url.searchParams.get('token') ?? '') ?? '')
    .executeTakeFirst()
  t.equal(stored?.purpose, 'password_reset', 'the printed link is a stored reset link')
  t.equal(stored?.used_at, null)
  const actions = await current
    .selectFrom('audit_events')
    .select('action')
    .where('account_id', 'is', null)
    .where('target_id', '=', String(userId))
    .orderBy('id')
    .execute()
  t.same(
    actions.map((a) => a.action).filter((a) => a.startsWith('password.')),
    ['password.set_by_operator', 'password.reset_link_issued'],
  )
})
