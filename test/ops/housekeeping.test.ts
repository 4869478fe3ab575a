import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { createApiToken, revokeApiToken } from '../../src/api-tokens/service.js'
import { insertApplication } from '../../src/applications/repo.js'
import { createSession } from '../../src/auth/sessions.js'
import { recordAttempt } from '../../src/auth/throttle.js'
import { authorizeApplication } from '../../src/authorizations/service.js'
import { startDeviceAuthorization } from '../../src/device/service.js'
import { Housekeeper } from '../../src/housekeeping/housekeeper.js'
import { sha256Hex } from '../../src/security/secrets.js'
import { AUDIT } from '../fixtures.js'
import { build, DATABASE_KIND, seedFirstAdmin } from '../helper.js'

const DAY = 24 * 3600 * 1000

t.test(`housekeeping deletes only what has ended, after its retention (${DATABASE_KIND})`, async (t) => {
  let clock = new Date('2026-01-01T00:00:00Z')
  const { app, config } = await build(t, { now: () => clock })
  const { db } = app
  const admin = await seedFirstAdmin(app)
  const times = () => ({
    now: clock,
    idleSeconds: config.sessionIdleSeconds,
    maxSeconds: config.sessionMaxSeconds,
  })

  // Sessions: one that will be past its lifetime, one idle too long, one alive.
  await createSession(db, admin.userId, admin.accountId, times())
  const idle = await createSession(db, admin.userId, admin.accountId, times())
  // Tokens: revoked, expired, still valid, no expiry.
  const token = (name: string, expiresAt: Date | null) =>
    createApiToken(
      db,
      { accountId: admin.accountId, userId: admin.userId, name, permission: 'admin', expiresAt },
      AUDIT,
    )
  const revoked = await token('revoked', null)
  await revokeApiToken(db, { accountId: admin.accountId, tokenId: revoked.id, now: clock }, AUDIT)
  const expired = await token('expired', new Date(clock.getTime() + DAY))
  const longLived = await token('long-lived', new Date(clock.getTime() + 400 * DAY))
  const forever = await token('forever', null)
  // An authorization code and login throttling rows.
  const application = await insertApplication(db, {
    accountId: admin.accountId,
    name: 'App',
    description: '',
    url: '',
    redirectUrls: ['https://app.example.com/cb'],
    permission: 'browse',
    clientSecretHash: sha256Hex('secret'),
    createdBy: admin.userId,
  })
  const grant = await authorizeApplication(
    db,
    { application, accountId: admin.accountId, userId: admin.userId },
    AUDIT,
  )
  await db
    .insertInto('authorization_codes')
    .values({
      code_hash: sha256Hex('code'),
      application_id: application.id,
      account_id: admin.accountId,
      user_id: admin.userId,
      authorization_id: grant.authorizationId,
      permission: 'browse',
      redirect_uri: 'https://app.example.com/cb',
      code_challenge: null,
      expires_at: new Date(clock.getTime() + 60_000),
      used_at: null,
    })
    .execute()
  // A device authorization nobody answers: it expires after ten minutes and goes an hour later.
  await startDeviceAuthorization(db, {
    application,
    scope: { permission: 'browse', identity: new Set() },
    now: clock,
  })
  const policy = { maxFailuresPerEmail: 5, maxFailuresPerIp: 50, windowSeconds: 900, lockoutSeconds: 900 }
  await recordAttempt(db, 'email:old@example.com', 5, policy, clock)
  await recordAttempt(db, 'email:locked@example.com', 1, { ...policy, lockoutSeconds: 2 * 3600 }, clock)

  const counts = async () => ({
    sessions: Number(
      (
        await db
          .selectFrom('sessions')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    codes: Number(
      (
        await db
          .selectFrom('authorization_codes')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    tokens: (await db.selectFrom('tokens').select('id').orderBy('id').execute()).map((r) => r.id),
    throttle: (await db.selectFrom('login_throttle').select('key').orderBy('key').execute()).map(
      (r) => r.key,
    ),
  })

  t.same(await app.housekeeping.run(), {
    sessions: 0,
    authorization_codes: 0,
    tokens: 0,
    login_throttle: 0,
    signups: 0,
    user_links: 0,
    sign_in_challenges: 0,
    device_authorizations: 0,
    token_events: 0,
    refresh_tokens: 0,
  })

  // 30 minutes on: keep the idle session alive; the code is not an hour past its expiry yet; the throttle window has passed.
  clock = new Date(clock.getTime() + 30 * 60_000)
  await db
    .updateTable('sessions')
    .set({ last_seen_at: clock })
    .where('id_hash', '=', sha256Hex(idle))
    .execute()
  t.same(await app.housekeeping.run(), {
    sessions: 0,
    authorization_codes: 0,
    tokens: 0,
    login_throttle: 1,
    signups: 0,
    user_links: 0,
    sign_in_challenges: 0,
    device_authorizations: 0,
    token_events: 0,
    refresh_tokens: 0,
  })
  t.same((await counts()).throttle, ['email:locked@example.com'], 'a locked key stays while it is locked')

  // Three hours on: the idle session is past SESSION_IDLE_MINUTES (120); the code is gone; the lock has ended.
  clock = new Date(clock.getTime() + 3 * 3600_000)
  t.same(await app.housekeeping.run(), {
    sessions: 2,
    authorization_codes: 1,
    tokens: 0,
    login_throttle: 1,
    signups: 0,
    user_links: 0,
    sign_in_challenges: 0,
    device_authorizations: 1,
    token_events: 0,
    refresh_tokens: 0,
  })
  t.equal((await counts()).sessions, 0)

  // Twenty days on: the revoked and expired tokens are kept (TOKEN_RETENTION_DAYS is 30).
  clock = new Date(clock.getTime() + 20 * DAY)
  t.same((await app.housekeeping.run()).tokens, 0, 'ended tokens are kept for the retention period')
  // Forty days on: both are more than 30 days past their end; the valid ones stay.
  clock = new Date(clock.getTime() + 20 * DAY)
  t.same((await app.housekeeping.run()).tokens, 2)
  t.same(
    (await counts()).tokens,
    [grant.tokenId, longLived.id, forever.id].sort((a, b) => a - b),
  )
  t.notOk((await counts()).tokens.includes(expired.id))

  const metrics = (await app.inject({ url: '/metrics' })).body
  t.match(metrics, 'latchkey_housekeeping_deleted_total{kind="sessions"} 2')
  t.match(metrics, 'latchkey_housekeeping_deleted_total{kind="tokens"} 2')
  t.match(metrics, 'latchkey_housekeeping_deleted_total{kind="login_throttle"} 2')
  t.match(metrics, 'latchkey_housekeeping_deleted_total{kind="authorization_codes"} 1')
})

t.test(
  `housekeeping deletes password-reset and email links a week after they expired (${DATABASE_KIND})`,
  async (t) => {
    let clock = new Date('2026-03-01T00:00:00Z')
    const { app } = await build(t, { now: () => clock })
    const admin = await seedFirstAdmin(app)
    const link = (hash: string, expiresAt: Date, usedAt: Date | null = null) => ({
      token_hash: hash,
      user_id: admin.userId,
      purpose: 'password_reset' as const,
      created_at: clock,
      expires_at: expiresAt,
      used_at: usedAt,
    })
    await app.db
      .insertInto('user_links')
      .values([
        link('a'.repeat(64), new Date(clock.getTime() + 30 * 60_000)),
        link('b'.repeat(64), new Date(clock.getTime() + 30 * 60_000), clock),
        link('c'.repeat(64), new Date(clock.getTime() + 9 * DAY)),
      ])
      .execute()
    const left = async () =>
      (await app.db.selectFrom('user_links').select('token_hash').orderBy('token_hash').execute()).map((r) =>
        r.token_hash.slice(0, 1),
      )
    clock = new Date(clock.getTime() + 6 * DAY)
    t.match(await app.housekeeping.run(), { user_links: 0 }, 'expired, but not a week ago: kept')
    clock = new Date(clock.getTime() + 2 * DAY)
    t.match(await app.housekeeping.run(), { user_links: 2 }, 'a week past expiry, used or not: deleted')
    t.same(await left(), ['c'], 'the link still valid stays')
  },
)

t.test('housekeeping runs on its schedule from ready to close, and not when set to 0', async (t) => {
  let clock = new Date('2026-01-01T00:00:00Z')
  const { app, config } = await build(t, { now: () => clock, housekeepingIntervalMs: 50 })
  const admin = await seedFirstAdmin(app)
  await createSession(app.db, admin.userId, admin.accountId, {
    now: clock,
    idleSeconds: config.sessionIdleSeconds,
    maxSeconds: config.sessionMaxSeconds,
  })
  clock = new Date(clock.getTime() + 2 * DAY)
  let left = 1
  for (let i = 0; i < 100 && left > 0; i++) {
    await sleep(50)
    left = (await app.db.selectFrom('sessions').select('id_hash').execute()).length
  }
  t.equal(left, 0, 'the scheduled run deleted the expired session')

  const off = await build(t, { now: () => clock })
  t.equal(off.config.housekeepingIntervalMs, 0, 'tests turn the schedule off')
  const offAdmin = await seedFirstAdmin(off.app)
  await createSession(off.app.db, offAdmin.userId, offAdmin.accountId, {
    now: new Date(clock.getTime() - 2 * DAY),
    idleSeconds: config.sessionIdleSeconds,
    maxSeconds: config.sessionMaxSeconds,
  })
  await sleep(300)
  const kept = await off.app.db.selectFrom('sessions').select('id_hash').execute()
  t.equal(kept.length, 1, 'with the interval at 0 nothing runs')
})

t.test('instances sweeping at the same time share the work without errors', async (t) => {
  let clock = new Date('2026-01-01T00:00:00Z')
  const { app, config, database } = await build(t, { now: () => clock })
  const admin = await seedFirstAdmin(app)
  // More than two batches (500 rows each), inserted in one statement.
  const rows = Array.from({ length: 1200 }, (_, i) => ({
    id_hash: sha256Hex(`session-${i}`),
    user_id: admin.userId,
    current_account_id: admin.accountId,
    created_at: clock,
    last_seen_at: clock,
    expires_at: new Date(clock.getTime() + config.sessionMaxSeconds * 1000),
  }))
  await app.db.insertInto('sessions').values(rows).execute()
  clock = new Date(clock.getTime() + 2 * DAY)
  const second = new Housekeeper(database.db, config, app.metrics, app.log)
  const [a, b] = await Promise.all([app.housekeeping.run(), second.run()])
  t.equal(a.sessions + b.sessions, 1200, 'every expired session deleted exactly once, over several batches')
  t.equal((await app.db.selectFrom('sessions').select('id_hash').execute()).length, 0)
})
