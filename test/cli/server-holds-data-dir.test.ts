import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { LATCHKEY, runLatchkey } from '../fixtures.js'
import { DATABASE_KIND } from '../helper.js'
import { serverDatabaseEnv, startServerProcess } from '../system/server-process.js'

/**
 * Issue 11 item 7: a CLI write beside a running server on the embedded database
 * printed success and was lost. PGlite is one process, so the CLI must refuse
 * while the server holds DATA_DIR, and work once it is gone, however it went.
 */
t.setTimeout(420_000) // four server starts and five CLI runs, each a Node process opening PGlite

const REFUSED = (dataDir: string, pid: number | undefined) =>
  `latchkey: the database in DATA_DIR (${join(dataDir, 'pgdata')}) is in use by a running server (pid ${pid}); ` +
  'stop it first, or run Latchkey on PostgreSQL (DATABASE_URL) to use the server and the command line together\n'

async function serviceNames(env: Record<string, string>): Promise<string[]> {
  const list = await runLatchkey(['services', 'list', '--json'], env)
  if (list.code !== 0) throw new Error(list.stderr)
  return JSON.parse(list.stdout).services.map((s: { name: string }) => s.name)
}

// Each database kind has its own behaviour, so each run checks its own (no skipped test):
// the embedded database admits one process, PostgreSQL takes no lock at all.
const embeddedDatabase = async (t: Test) => {
  const env = await serverDatabaseEnv(t)
  const lockFile = join(env.DATA_DIR ?? '', 'pgdata.lock')

  const server = await startServerProcess(t, LATCHKEY, env)
  const [write, secondServer] = await Promise.all([
    runLatchkey(['services', 'create', '--name', 'during', '--json'], env),
    runLatchkey(['serve'], { ...env, PORT: '0', HOST: '127.0.0.1' }),
  ])
  t.equal(write.code, 1, 'the write is refused')
  t.equal(write.stderr, REFUSED(env.DATA_DIR ?? '', server.child.pid), 'in one clear line')
  t.equal(write.stdout, '', 'and nothing claims success')
  t.equal(secondServer.code, 1, 'a second server on the same DATA_DIR refuses to start')
  t.equal(secondServer.stderr, REFUSED(env.DATA_DIR ?? '', server.child.pid))

  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0)
  t.notOk(existsSync(lockFile), 'a clean shutdown releases the lock')
  const after = await runLatchkey(['services', 'create', '--name', 'after', '--json'], env)
  t.equal(after.code, 0, after.stderr)

  // The write survives a server's whole life; this one is killed and leaves its lock behind.
  const restarted = await startServerProcess(t, LATCHKEY, env)
  restarted.child.kill('SIGKILL')
  await restarted.exited
  t.ok(existsSync(lockFile), 'SIGKILL leaves a lock naming a dead pid')
  t.same(await serviceNames(env), ['after'], 'the CLI takes the stale lock over; the write is there')

  const next = await startServerProcess(t, LATCHKEY, env)
  t.ok(next.port, 'a server starts after one was SIGKILLed')
  next.child.kill('SIGTERM')
  t.equal(await next.exited, 0)
  t.same(await serviceNames(env), ['after'])
}

const postgresDatabase = async (t: Test) => {
  const env = await serverDatabaseEnv(t)
  const server = await startServerProcess(t, LATCHKEY, env)
  const write = await runLatchkey(['services', 'create', '--name', 'beside', '--json'], env)
  t.equal(write.code, 0, write.stderr)
  t.same(await serviceNames(env), ['beside'])
  t.notOk(existsSync(join(env.DATA_DIR ?? '', 'pgdata.lock')), 'no lock file is made')
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0)
}

if (DATABASE_KIND === 'pglite') {
  t.test('the CLI refuses while a server holds DATA_DIR, and works once it is gone', embeddedDatabase)
} else {
  t.test('on PostgreSQL the CLI works beside a running server (no lock)', postgresDatabase)
}
