import t from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { insertUser, upsertMembership } from '../../src/users/repo.js'
import { runLatchkey as cli } from '../fixtures.js'
import { DATABASE_KIND } from '../helper.js'
import { openServerDatabase, serverDatabaseEnv } from '../system/server-process.js'

// Real processes are slow: one suite covers disable, enable and an unknown address.
t.test(`latchkey users disable / enable (${DATABASE_KIND})`, async (t) => {
  const env = await serverDatabaseEnv(t)
  // Seeded in this process (no argon2 at production cost, one process fewer), on the migrated database.
  const seeding = await openServerDatabase(env)
  let userId: number
  try {
    const user = await insertUser(seeding.db, { email: 'ops@example.com', name: 'Ops', passwordHash: 'x' })
    const account = await createAccount(seeding.db, { name: 'Acme' })
    await upsertMembership(seeding.db, { accountId: account.id, userId: user.id, role: 'admin' })
    userId = user.id
  } finally {
    await seeding.close()
  }

  const disabled = await cli(['users', 'disable', '--email', 'OPS@example.com', '--json'], env)
  t.equal(disabled.code, 0, disabled.stderr)
  t.same(JSON.parse(disabled.stdout), { user_id: userId, disabled: true, changed: true, sessions_ended: 0 })

  const unknown = await cli(['users', 'enable', '--email', 'nobody@example.com'], env)
  t.not(unknown.code, 0, 'an unknown email fails')
  t.equal(unknown.stderr, 'latchkey: No user has the email nobody@example.com.\n', 'with one clear line')
  t.equal(unknown.stdout, '')

  const database = await openServerDatabase(env)
  try {
    const row = await database.db
      .selectFrom('users')
      .select('disabled_at')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow()
    t.ok(row.disabled_at, 'disabled_at is set')
    const events = await database.db
      .selectFrom('audit_events')
      .select(['action', 'actor_label'])
      .where('action', '=', 'user.disabled')
      .execute()
    t.equal(events.length, 2, "in the person's own history and their account's log")
    t.equal(events[0]?.actor_label, 'cli')
  } finally {
    await database.close()
  }

  const enabled = await cli(['users', 'enable', '--email', 'ops@example.com'], env)
  t.equal(enabled.code, 0, enabled.stderr)
  t.equal(enabled.stdout, `user ${userId} (ops@example.com) enabled; they can sign in again\n`)
})
