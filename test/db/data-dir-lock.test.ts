import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { connectDatabase } from '../../src/db/connect.js'
import { DataDirInUseError, type LockOwner, lockDataDir, STALE_AFTER_MS } from '../../src/db/data-dir-lock.js'
import { migratedPgliteSnapshot } from '../database.js'
import type { Teardown } from '../helper.js'

function dataDir(t: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-lock-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'pgdata')
}

/** This process's own lock record (what a holder in this pid namespace writes). */
async function ownRecord(dir: string): Promise<LockOwner> {
  const release = await lockDataDir(dir, 'probe')
  const owner = JSON.parse(readFileSync(`${dir}.lock`, 'utf8')) as LockOwner
  release()
  return owner
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(child.stdout.toString())
}

function writeLock(dir: string, owner: LockOwner, ageMs = 0): void {
  writeFileSync(`${dir}.lock`, JSON.stringify(owner))
  const at = new Date(Date.now() - ageMs)
  utimesSync(`${dir}.lock`, at, at)
}

t.test('an open embedded database refuses a second open until it is closed', async (t) => {
  const dir = dataDir(t)
  // From the migrated snapshot: an empty directory would cost PostgreSQL's initdb, which this test is not about.
  const first = await connectDatabase({
    databaseUrl: undefined,
    pgliteDataDir: dir,
    pgliteSnapshot: await migratedPgliteSnapshot(),
    holder: 'a running server',
  })
  const lock = JSON.parse(readFileSync(`${dir}.lock`, 'utf8')) as LockOwner
  t.equal(lock.pid, process.pid)
  t.equal(lock.holder, 'a running server')
  const refused = await connectDatabase({ databaseUrl: undefined, pgliteDataDir: dir }).catch((e) => e)
  t.type(refused, DataDirInUseError)
  t.equal(
    refused.message,
    `the database in DATA_DIR (${dir}) is in use by a running server (pid ${process.pid}); stop it first, ` +
      'or run Latchkey on PostgreSQL (DATABASE_URL) to use the server and the command line together',
  )
  await first.close()
  t.notOk(existsSync(`${dir}.lock`), 'closing releases the lock')
  const second = await connectDatabase({ databaseUrl: undefined, pgliteDataDir: dir })
  await second.close()
})

t.test('in-memory databases take no lock', async (t) => {
  const pgliteSnapshot = await migratedPgliteSnapshot()
  const a = await connectDatabase({ databaseUrl: undefined, pgliteDataDir: 'memory://', pgliteSnapshot })
  const b = await connectDatabase({ databaseUrl: undefined, pgliteDataDir: 'memory://', pgliteSnapshot })
  t.equal(a.kind, b.kind, 'both open at once')
  await Promise.all([a.close(), b.close()])
})

t.test('a lock whose process is gone is taken over', async (t) => {
  const dir = dataDir(t)
  const own = await ownRecord(dir)
  writeLock(dir, { ...own, pid: deadPid(), started: null, holder: 'a running server' })
  const release = await lockDataDir(dir, 'the test')
  t.equal(JSON.parse(readFileSync(`${dir}.lock`, 'utf8')).pid, process.pid)
  release()
})

t.test('a lock whose pid now belongs to a later process is taken over (pid reuse)', async (t) => {
  const dir = dataDir(t)
  const own = await ownRecord(dir)
  t.ok(own.started, 'Linux: the start time is recorded')
  // The parent process is alive; the record says it started at another time.
  writeLock(dir, { ...own, pid: process.ppid, started: '1' })
  const release = await lockDataDir(dir, 'the test')
  t.equal(JSON.parse(readFileSync(`${dir}.lock`, 'utf8')).pid, process.pid)
  release()
})

t.test('a live holder in this pid namespace is respected however old its file', async (t) => {
  const dir = dataDir(t)
  const parent = { ...(await ownRecord(dir)), pid: process.ppid, started: null, holder: 'a running server' }
  writeLock(dir, parent, 10 * STALE_AFTER_MS)
  await t.rejects(
    lockDataDir(dir, 'the test'),
    new RegExp(`in use by a running server \\(pid ${process.ppid}\\)`),
  )
})

t.test('a holder elsewhere (another container) counts while its heartbeat is fresh', async (t) => {
  const dir = dataDir(t)
  const elsewhere: LockOwner = {
    pid: 1,
    space: 'web-2 pid:[4026532000]',
    started: '77',
    holder: 'a running server',
  }
  writeLock(dir, elsewhere, STALE_AFTER_MS - 5000)
  await t.rejects(lockDataDir(dir, 'the test'), /in use by a running server \(pid 1 on web-2\)/)
  writeLock(dir, elsewhere, STALE_AFTER_MS + 5000)
  const release = await lockDataDir(dir, 'the test')
  t.equal(
    JSON.parse(readFileSync(`${dir}.lock`, 'utf8')).pid,
    process.pid,
    'taken over once it stopped beating',
  )
  release()
})

t.test('an unreadable lock file is judged by its age', async (t) => {
  const dir = dataDir(t)
  writeFileSync(`${dir}.lock`, 'not json')
  await t.rejects(lockDataDir(dir, 'the test'), /in use by an unknown process/)
  const old = new Date(Date.now() - STALE_AFTER_MS - 5000)
  utimesSync(`${dir}.lock`, old, old)
  const release = await lockDataDir(dir, 'the test')
  release()
  t.notOk(existsSync(`${dir}.lock`))
})

t.test('release removes only its own lock', async (t) => {
  const dir = dataDir(t)
  const release = await lockDataDir(dir, 'the test')
  const other = { ...(JSON.parse(readFileSync(`${dir}.lock`, 'utf8')) as LockOwner), pid: 12345 }
  writeFileSync(`${dir}.lock`, JSON.stringify(other))
  release()
  t.ok(existsSync(`${dir}.lock`), 'a lock that is no longer ours stays')
})
