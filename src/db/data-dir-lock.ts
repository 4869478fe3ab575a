import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { utimes } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * PGlite is PostgreSQL inside one process: a second process opening the same
 * data directory does not wait for the first, it keeps its own copy of the
 * pages and the last one to write wins (writes were lost, issue 11 item 7). So
 * whoever opens the directory first holds `<dir>.lock` until it closes, and
 * everyone else is refused.
 *
 * The lock file names its holder (pid, the pid namespace it lives in, the
 * process's start time). A holder that died without releasing it (crash,
 * SIGKILL, power loss) leaves the file behind; it is stale when that pid is
 * gone, or now belongs to a process started at another time (pids are reused:
 * a container's server is pid 1 after every restart). A holder in another pid
 * namespace or on another host (a second container on the same volume) cannot
 * be asked, so the holder refreshes the file's mtime every HEARTBEAT_MS and
 * such a lock is stale once STALE_AFTER_MS pass without a refresh.
 */
export const HEARTBEAT_MS = 10_000
export const STALE_AFTER_MS = 60_000
const ATTEMPTS = 5

export interface LockOwner {
  pid: number
  /** Host name and pid namespace: where `pid` means something. */
  space: string
  /** The process's start time in clock ticks since boot (Linux), to tell a reused pid apart. */
  started: string | null
  /** Who holds it, for the message another process gets: "a running server", "latchkey migrate". */
  holder: string
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    const where = owner.space === ownSpace() ? '' : ` on ${owner.space.split(' ')[0]}`
    super(
      `the database in DATA_DIR (${dataDir}) is in use by ${owner.holder} (pid ${owner.pid}${where}); ` +
        'stop it first, or run Latchkey on PostgreSQL (DATABASE_URL) to use the server and the command line together',
    )
  }
}

/**
 * Takes the lock on PGlite's data directory `dataDir` (the file `<dataDir>.lock`
 * beside it) or throws DataDirInUseError (also when this very process holds it:
 * its own record is alive). Returns the release function; the lock
 * is also released when the process exits normally.
 */
export async function lockDataDir(dataDir: string, holder: string): Promise<() => void> {
  const file = `${dataDir}.lock`
  mkdirSync(dirname(file), { recursive: true })
  const me = ownRecord(holder)
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (tryCreate(file, me)) return holdUntilRelease(file, me)
    const owner = readOwner(file)
    if (owner && isAlive(owner, file)) throw new DataDirInUseError(dataDir, owner)
    if (owner) takeOver(file, owner, me)
    // Released or taken over meanwhile (or unreadable and stale): look again.
    await sleep(20 * (attempt + 1))
  }
  const owner = readOwner(file)
  throw new DataDirInUseError(dataDir, owner ?? { ...me, holder: 'another process', pid: 0 })
}

function holdUntilRelease(file: string, me: LockOwner): () => void {
  const heartbeat = setInterval(() => {
    const now = new Date()
    utimes(file, now, now).catch(() => undefined)
  }, HEARTBEAT_MS)
  heartbeat.unref()
  let released = false
  const release = () => {
    if (released) return
    released = true
    clearInterval(heartbeat)
    process.off('exit', release)
    const owner = readOwner(file)
    if (owner && sameOwner(owner, me)) rmSync(file, { force: true })
  }
  // A forced exit (shutdown timeout, second signal) skips close(); 'exit' still runs.
  process.on('exit', release)
  return release
}

/** Creates `file` holding `owner`, atomically and complete (a reader never sees it half-written). */
function tryCreate(file: string, owner: LockOwner): boolean {
  const draft = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`
  const fd = openSync(draft, 'wx', 0o644)
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`)
  } finally {
    closeSync(fd)
  }
  try {
    linkSync(draft, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    unlinkSync(draft)
  }
}

/**
 * Removes a stale lock so the next attempt can create one. Two processes may
 * find the same stale lock; the `.takeover` guard lets only one of them remove
 * it, and it removes it only if it still is the stale one (not the fresh lock
 * the other just made).
 */
function takeOver(file: string, stale: LockOwner, me: LockOwner): void {
  const guard = `${file}.takeover`
  if (!tryCreate(guard, me)) {
    const other = readOwner(guard)
    // A guard is held for microseconds; one left behind is from a process that died in between.
    if (!other || !isAlive(other, guard)) rmSync(guard, { force: true })
    return
  }
  try {
    const now = readOwner(file)
    if (now && sameOwner(now, stale)) rmSync(file, { force: true })
  } finally {
    rmSync(guard, { force: true })
  }
}

function readOwner(file: string): LockOwner | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    const owner = JSON.parse(text) as LockOwner
    if (Number.isInteger(owner.pid) && typeof owner.space === 'string') return owner
  } catch {}
  // Not written by this code (or damaged): judged by its age alone.
  return { pid: 0, space: 'unknown', started: null, holder: `an unknown process (see ${file})` }
}

function isAlive(owner: LockOwner, file: string): boolean {
  if (owner.space !== ownSpace()) {
    try {
      return Date.now() - statSync(file).mtimeMs < STALE_AFTER_MS
    } catch {
      return false
    }
  }
  try {
    process.kill(owner.pid, 0)
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
  }
  const started = processStart(owner.pid)
  return owner.started === null || started === null || started === owner.started
}

function sameOwner(a: LockOwner, b: LockOwner): boolean {
  return a.pid === b.pid && a.space === b.space && a.started === b.started
}

function ownRecord(holder: string): LockOwner {
  return { pid: process.pid, space: ownSpace(), started: processStart(process.pid), holder }
}

let space: string | undefined
function ownSpace(): string {
  if (space === undefined) {
    let namespace = ''
    try {
      namespace = readlinkSync('/proc/self/ns/pid')
    } catch {}
    space = `${hostname()} ${namespace}`.trim()
  }
  return space
}

/** Field 22 of /proc/<pid>/stat (Linux); null where there is no /proc. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may hold spaces; fields after it start at 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null
  } catch {
    return null
  }
}
