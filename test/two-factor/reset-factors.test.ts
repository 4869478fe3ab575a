import t from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { createSession } from '../../src/auth/sessions.js'
import { createChallenge } from '../../src/two-factor/challenges.js'
import { insertUser, upsertMembership } from '../../src/users/repo.js'
import { runLatchkey } from '../fixtures.js'
import { DATABASE_KIND } from '../helper.js'
import { openServerDatabase, serverDatabaseEnv } from '../system/server-process.js'

// A real process is slow (seconds each): two runs, the reset and an unknown address.
t.test(`latchkey users reset-factors (${DATABASE_KIND})`, async (t) => {
  const env = await serverDatabaseEnv(t)
  const now = new Date()
  const seeding = await openServerDatabase(env)
  let userId: number
  try {
    const { db } = seeding
    const user = await insertUser(db, { email: 'lost@example.com', name: 'Lost', passwordHash: 'x' })
    const account = await createAccount(db, { name: 'Acme' })
    await upsertMembership(db, { accountId: account.id, userId: user.id, role: 'admin' })
    userId = user.id
    await db
      .insertInto('totp_factors')
      .values({ user_id: userId, secret_sealed: 'v1.sealed', confirmed_at: now, created_at: now })
      .execute()
    await db
      .insertInto('recovery_codes')
      .values(['a', 'b'].map((c) => ({ user_id: userId, code_hash: c, used_at: null, created_at: now })))
      .execute()
    await db
      .insertInto('passkeys')
      .values({ user_id: userId, credential_id: 'cred', public_key: 'key', name: 'Phone', created_at: now })
      .execute()
    const times = { now, idleSeconds: 3600, maxSeconds: 3600 }
    await createSession(db, userId, account.id, times)
    await createSession(db, userId, account.id, times)
    await createChallenge(db, { purpose: 'two_factor', userId, accountId: null, ttlSeconds: 300, now })
  } finally {
    await seeding.close()
  }

  const reset = await runLatchkey(['users', 'reset-factors', '--email', 'LOST@example.com', '--json'], env)
  t.equal(reset.code, 0, reset.stderr)
  t.same(JSON.parse(reset.stdout), {
    user_id: userId,
    totp_removed: true,
    recovery_codes_removed: 2,
    passkeys_removed: 1,
    sessions_ended: 2,
  })

  const database = await openServerDatabase(env)
  try {
    const { db } = database
    for (const table of [
      'totp_factors',
      'recovery_codes',
      'passkeys',
      'sessions',
      'sign_in_challenges',
    ] as const) {
      const rows = await db.selectFrom(table).select('user_id').where('user_id', '=', userId).execute()
      t.equal(rows.length, 0, `nothing of the person left in ${table}`)
    }
    const events = await db
      .selectFrom('audit_events')
      .select(['actor_label', 'account_id', 'details'])
      .where('action', '=', 'two_factor.reset_by_operator')
      .execute()
    t.equal(events.length, 2, "in the person's own history and their account's log")
    t.equal(events[0]?.actor_label, 'cli')
    t.match(events[0]?.details, { passkeys_removed: 1, sessions_ended: 2 })
  } finally {
    await database.close()
  }

  const unknown = await runLatchkey(['users', 'reset-factors', '--email', 'nobody@example.com'], env)
  t.equal(unknown.code, 1)
  t.equal(unknown.stderr, 'latchkey: No user has the email nobody@example.com.\n')
})
