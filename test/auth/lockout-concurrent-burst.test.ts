import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { connectDatabase } from '../../src/db/connect.js'
import {
  Browser,
  build,
  createMigratedPostgresDatabase,
  DATABASE_KIND,
  type Seeded,
  seedFirstAdmin,
  type Teardown,
  testConfig,
} from '../helper.js'

// Issue 11, item 3: 29 wrong passwords and the right one sent at once were all
// verified and the right one signed in, with a limit of 5. The attempt is now
// counted in the database before its password is verified.

const LIMIT = 5

/** Sign-ins whose password was verified: each one leaves a login.succeeded or login.failed event. */
async function verified(app: FastifyInstance): Promise<number> {
  const row = await app.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('action', 'in', ['login.succeeded', 'login.failed'])
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

async function sessionsOf(app: FastifyInstance, userId: number): Promise<number> {
  const rows = await app.db.selectFrom('sessions').select('user_id').where('user_id', '=', userId).execute()
  return rows.length
}

/** 29 wrong passwords and the right one (last), all posted at once, spread over the given instances. */
async function burst(apps: FastifyInstance[], admin: Seeded, wrong = 29, right = 1) {
  const browsers = await Promise.all(
    Array.from({ length: wrong + right }, async (_, i) => {
      const browser = new Browser(apps[i % apps.length] as FastifyInstance)
      await browser.csrfToken()
      return browser
    }),
  )
  const answers = await Promise.all(
    browsers.map((browser, i) =>
      browser.post('/login', {
        email: admin.email,
        password: i < wrong ? `wrong-password-${i}` : admin.password,
      }),
    ),
  )
  return answers.map((a) => a.statusCode)
}

t.test(
  `a burst of 30 concurrent sign-ins gets at most ${LIMIT} verifications (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t, { loginMaxFailuresPerEmail: LIMIT })
    const admin = await seedFirstAdmin(app)
    const statuses = await burst([app], admin)
    const evaluated = await verified(app)
    t.ok(evaluated <= LIMIT, `${evaluated} of 30 attempts were verified`)
    t.equal(
      statuses.filter((s) => s === 429).length,
      30 - evaluated,
      'every other attempt was refused with 429',
    )
    t.equal(statuses.at(-1), 429, 'the right password, sent with the burst, is refused')
    t.equal(await sessionsOf(app, admin.userId), 0, 'no session was created')
    const after = await new Browser(app).post('/login', { email: admin.email, password: admin.password })
    t.equal(after.statusCode, 429, 'and the right password afterwards is refused like any locked state')
  },
)

t.test(`a burst of wrong passwords only: exactly ${LIMIT} verifications (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t, { loginMaxFailuresPerEmail: LIMIT })
  const admin = await seedFirstAdmin(app)
  const statuses = await burst([app], admin, 30, 0)
  t.equal(await verified(app), LIMIT)
  t.equal(statuses.filter((s) => s === 401).length, LIMIT)
  t.equal(statuses.filter((s) => s === 429).length, 30 - LIMIT)
})

t.test('a success is not counted: the limit still applies to failures', async (t) => {
  const { app } = await build(t, { loginMaxFailuresPerEmail: 3, loginMaxFailuresPerIp: 4 })
  const admin = await seedFirstAdmin(app)
  const browser = new Browser(app)
  for (let i = 0; i < 6; i++) {
    t.equal((await browser.post('/login', { email: admin.email, password: admin.password })).statusCode, 303)
  }
  const ip = await app.db.selectFrom('login_throttle').selectAll().where('key', '=', 'ip:127.0.0.1').execute()
  t.equal(ip[0]?.failures ?? 0, 0, 'six successes leave the IP at zero failures')
  t.equal(ip[0]?.locked_until ?? null, null)
  for (let i = 0; i < 2; i++)
    t.equal((await browser.post('/login', { email: 'x@example.com', password: 'nope-nope' })).statusCode, 401)
  t.equal((await browser.post('/login', { email: admin.email, password: admin.password })).statusCode, 303)
  t.equal(
    (await browser.post('/login', { email: 'y@example.com', password: 'nope-nope' })).statusCode,
    401,
    'the third failure from the IP is still verified',
  )
  t.equal((await browser.post('/login', { email: 'z@example.com', password: 'nope-nope' })).statusCode, 401)
  t.equal(
    (await browser.post('/login', { email: admin.email, password: admin.password })).statusCode,
    429,
    'the fourth failure locked the IP',
  )
})

/** Two instances, each with its own pool, on one fresh PostgreSQL database (in both CI runs). */
async function twoInstances(t: Teardown): Promise<FastifyInstance[]> {
  const server =
    process.env.TEST_DATABASE_URL ||
    process.env.LATCHKEY_TEST_POSTGRES_URL ||
    'postgres://postgres@127.0.0.1:5432/postgres'
  const url = await createMigratedPostgresDatabase(t, server)
  const apps: FastifyInstance[] = []
  for (let i = 0; i < 2; i++) {
    const database = await connectDatabase({ databaseUrl: url, pgliteDataDir: '' })
    const app = await buildApp(testConfig({ loginMaxFailuresPerEmail: LIMIT }), { database, logger: false })
    t.teardown(async () => {
      await app.close()
      await database.close()
    })
    await app.ready()
    apps.push(app)
  }
  return apps
}

t.test(`two instances on one PostgreSQL database share the limit under a burst`, async (t) => {
  const apps = await twoInstances(t)
  const [first] = apps as [FastifyInstance]
  const admin = await seedFirstAdmin(first)
  const statuses = await burst(apps, admin)
  const evaluated = await verified(first)
  t.ok(evaluated <= LIMIT, `${evaluated} of 30 attempts on two instances were verified`)
  t.equal(statuses.filter((s) => s === 429).length, 30 - evaluated)
  t.equal(statuses.at(-1), 429, 'the right password, sent with the burst, is refused')
  t.equal(await sessionsOf(first, admin.userId), 0, 'no session was created')
})
