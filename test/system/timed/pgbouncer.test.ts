// Latchkey behind PgBouncer (CONTRACT 12, issue 16 item 5). Like the fault suite, it runs against
// PostgreSQL in both CI runs (the PGlite run included): PgBouncer only ever fronts PostgreSQL.
import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import t, { type Test } from 'tap'
import { buildApp } from '../../../src/app.js'
import { connectDatabase } from '../../../src/db/connect.js'
import { LISTENER_APPLICATION_NAME } from '../../../src/invalidation/listener.js'
import { revokeTokenByOperator } from '../../../src/tokens/revoke-by-operator.js'
import { AUDIT, authorize, LATCHKEY, seedApplication } from '../../fixtures.js'
import { createEmptyPostgresDatabase, seedFirstAdmin, type Teardown, testConfig } from '../../helper.js'
import { PGBOUNCER, requirePrograms } from '../require-program.js'
import { freePort, httpOnce, startServerProcess } from '../server-process.js'

type Tap = Test

/** The PostgreSQL the suites share (TEST_DATABASE_URL), or the local one the brief names. */
const SERVER = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'

t.setTimeout(600_000) // two server processes, each migrating through its own PgBouncer

/** A private PgBouncer in `mode` in front of SERVER's PostgreSQL, stopped in teardown; its port. */
async function startPgbouncer(t: Teardown, mode: 'session' | 'transaction'): Promise<number> {
  const server = new URL(SERVER)
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-pgbouncer-'))
  chmodSync(dir, 0o755) // PgBouncer refuses to run as root: it reads this as the postgres user
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const port = await freePort()
  writeFileSync(join(dir, 'userlist.txt'), `"${server.username || 'postgres'}" ""\n`, { mode: 0o644 })
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      'admin_users = postgres',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      `pool_mode = ${mode}`,
      'default_pool_size = 20',
      'max_client_conn = 200',
      '',
    ].join('\n'),
    { mode: 0o644 },
  )
  const bouncer: ChildProcess = spawn(PGBOUNCER.command, ['-u', 'postgres', join(dir, 'pgbouncer.ini')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  bouncer.stderr?.on('data', (d) => (log += d))
  t.teardown(() => void bouncer.kill('SIGINT'))
  for (let i = 0; i < 100; i++) {
    if (await accepts(port)) return port
    if (bouncer.exitCode !== null) break
    await sleep(50)
  }
  throw new Error(`pgbouncer (${mode}) did not start: ${log}`)
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.on('connect', () => {
      socket.end()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}

/** The application names of PgBouncer's clients on `database` (its admin console's SHOW CLIENTS). */
async function bouncerClients(port: number, database: string): Promise<string[]> {
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/pgbouncer` })
  await admin.connect()
  try {
    const { rows } = await admin.query<{ database: string; application_name: string }>('SHOW CLIENTS')
    return rows.filter((row) => row.database === database).map((row) => row.application_name)
  } finally {
    await admin.end()
  }
}

/** `url` with another port: the same database through PgBouncer. */
function viaPort(url: string, port: number): string {
  const through = new URL(url)
  through.port = String(port)
  return through.href
}

/**
 * A server process whose pool goes through PgBouncer; a second instance in this
 * process (directly connected) issues a token and revokes it. Proves the /verify
 * path (cold, then cached) and that the revocation reaches the server within 1 s.
 */
async function verifyAndRevoke(
  t: Tap,
  env: Record<string, string>,
  directUrl: string,
  bouncerPort: number,
): Promise<{ throughBouncer: string[]; listening: number }> {
  const server = await startServerProcess(t, LATCHKEY, env)
  const database = await connectDatabase({ databaseUrl: directUrl, pgliteDataDir: '' })
  const changer = await buildApp(testConfig(), { database, logger: false })
  t.teardown(async () => {
    await changer.close()
    await database.close()
  })
  await changer.ready()
  const admin = await seedFirstAdmin(changer)
  const { application } = await seedApplication(changer, admin)
  const grant = await authorize(changer, application, admin)
  const headers = { authorization: `Bearer ${grant.token}` }
  const cold = await httpOnce(server.port, '/verify', { headers })
  t.equal(cold.status, 200, `/verify from the database: ${cold.body}`)
  t.equal(cold.headers['x-auth-app-id'], String(application.id))
  t.equal((await httpOnce(server.port, '/verify', { headers })).status, 200, 'and from the cache')
  const name = new URL(directUrl).pathname.slice(1)
  const throughBouncer = await bouncerClients(bouncerPort, name)
  t.ok(throughBouncer.includes('latchkey'), 'the pool goes through PgBouncer')
  // This process's instance listens too: the server's session makes the second.
  const { rows } = await (database.pool as pg.Pool).query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = $2',
    [LISTENER_APPLICATION_NAME, name],
  )
  const listening = rows[0]?.n ?? 0

  await revokeTokenByOperator(changer.db, grant.tokenId, new Date(), AUDIT)
  const revokedAt = performance.now()
  let status = 200
  while (status === 200 && performance.now() - revokedAt < 2_000) {
    status = (await httpOnce(server.port, '/verify', { headers })).status
    if (status === 200) await sleep(20)
  }
  const took = Math.round(performance.now() - revokedAt)
  t.equal(status, 401, 'the revoked token is refused')
  t.ok(took < 1_000, `within a second of the revocation (${took} ms)`)
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0, 'and the server stops cleanly')
  return { throughBouncer, listening }
}

const skip = requirePrograms(t, [PGBOUNCER])

t.test('behind PgBouncer in session mode: the whole /verify and invalidation path', { skip }, async (t) => {
  const port = await startPgbouncer(t, 'session')
  const directUrl = await createEmptyPostgresDatabase(t, SERVER)
  const pooledUrl = viaPort(directUrl, port)
  // Migrations, the pool, the prepared lookups and LISTEN all through PgBouncer.
  const { throughBouncer, listening } = await verifyAndRevoke(t, { DATABASE_URL: pooledUrl }, directUrl, port)
  t.ok(throughBouncer.includes(LISTENER_APPLICATION_NAME), 'LISTEN holds a session of PgBouncer')
  t.equal(listening, 2, "PostgreSQL has both instances' LISTEN sessions")
})

t.test(
  'behind PgBouncer in transaction mode, with DATABASE_LISTEN_URL direct: the same',
  { skip },
  async (t) => {
    const port = await startPgbouncer(t, 'transaction')
    const directUrl = await createEmptyPostgresDatabase(t, SERVER)
    const { throughBouncer, listening } = await verifyAndRevoke(
      t,
      {
        DATABASE_URL: viaPort(directUrl, port),
        DATABASE_LISTEN_URL: directUrl,
        // PgBouncer before 1.21 (Debian 12 has 1.18) cannot keep named prepared statements.
        DATABASE_PREPARED_STATEMENTS: 'false',
      },
      directUrl,
      port,
    )
    t.notOk(throughBouncer.includes(LISTENER_APPLICATION_NAME), 'LISTEN goes around PgBouncer')
    t.equal(listening, 2, "PostgreSQL has both instances' LISTEN sessions")
  },
)
