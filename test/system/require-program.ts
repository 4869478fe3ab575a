import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/** A system program a process-level suite runs, and the Debian package that provides it. */
export interface Program {
  /** A name looked up on PATH (plus the sbin folders), or an absolute path. */
  readonly command: string
  readonly debian: string
  /** A shell line run after installing, e.g. to stop a service the package starts; its failure is ignored. */
  readonly afterInstall?: string
}

export const CHROMIUM: Program = { command: '/usr/bin/chromium', debian: 'chromium' }
export const DOCKER_COMPOSE: Program = { command: 'docker-compose', debian: 'docker-compose' }
export const GIT: Program = { command: 'git', debian: 'git' }
/** Debian's nginx package starts a system nginx on port 80; the suites run their own. */
export const NGINX: Program = {
  command: '/usr/sbin/nginx',
  debian: 'nginx-light',
  afterInstall: '/usr/sbin/nginx -s quit',
}
export const PGBOUNCER: Program = { command: '/usr/sbin/pgbouncer', debian: 'pgbouncer' }
export const POSTGRES_SERVER: Program = { command: 'pg_ctlcluster', debian: 'postgresql' }
/** util-linux's `script`: runs a command in a pseudo-terminal (Essential on Debian, so normally there). */
export const SCRIPT: Program = { command: 'script', debian: 'bsdutils' }

const SEARCH = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin']

function installed(program: Program): boolean {
  if (program.command.startsWith('/')) return existsSync(program.command)
  return SEARCH.some((dir) => dir && existsSync(join(dir, program.command)))
}

/** The programs of the system suites that the suites install when they can. */
const SUITE_PROGRAMS = [CHROMIUM, DOCKER_COMPOSE, NGINX, PGBOUNCER]

const APT_LOCK = '/tmp/latchkey-test-apt.lock'

function canInstall(): boolean {
  return process.getuid?.() === 0 && existsSync('/usr/bin/apt-get') && existsSync('/usr/bin/flock')
}

/** The shell command that installs `programs`, then runs their after-install lines (under APT_LOCK). */
function aptScript(programs: Program[]): string {
  const apt = 'apt-get -o DPkg::Lock::Timeout=600'
  const packages = programs.map((p) => p.debian).join(' ')
  const after = programs.flatMap((p) => (p.afterInstall ? [`; ${p.afterInstall} >/dev/null 2>&1`] : []))
  return `${apt} update -qq && DEBIAN_FRONTEND=noninteractive ${apt} install -y -qq --no-install-recommends ${packages}${after.join('')}; true`
}

/**
 * Installs the Debian packages as root (one apt at a time: test files run in
 * parallel, and so may other users of the machine). The caller looks again for
 * what is installed; apt's complaints reach standard error.
 */
function aptInstall(programs: Program[]): void {
  if (!canInstall()) return
  try {
    execFileSync('flock', [APT_LOCK, 'sh', '-c', aptScript(programs)], {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 900_000,
    })
  } catch {
    // A timeout: what did get installed is found by the caller.
  }
}

/**
 * Starts installing every missing program of the system suites in the background
 * (tap's `before` step, test/before.ts): on a bare machine the download then runs
 * while the feature suites use the CPU, instead of in front of each system suite.
 * A suite that needs a program before the install is done waits for APT_LOCK in
 * requirePrograms and finds it installed.
 */
export function installSuiteProgramsInBackground(): void {
  const missing = SUITE_PROGRAMS.filter((p) => !installed(p))
  if (missing.length === 0 || !canInstall()) return
  const child = spawn('flock', [APT_LOCK, 'sh', '-c', aptScript(missing)], {
    detached: true,
    stdio: 'ignore',
  })
  child.unref()
}

interface Reporter {
  fail(message: string): unknown
  comment(message: string): unknown
  setTimeout(ms: number): unknown
}

/**
 * Makes sure a suite's system programs are there: installs what is missing when
 * it can (Debian packages, as root), and otherwise answers the one-line reason to
 * skip the file's tests with. Under CI=true a missing program is a failure.
 *
 *   const skip = requirePrograms(t, [NGINX])
 *   t.test('…', { skip }, async (t) => { … })
 */
export function requirePrograms(t: Reporter, programs: Program[]): string | false {
  let missing = programs.filter((p) => !installed(p))
  if (missing.length > 0 && canInstall()) {
    // The background install of the run's start (or another suite's) may be under way:
    // wait for it, then look again. A first chromium install takes minutes on a slow
    // mirror; the file's clock waits for it.
    t.setTimeout(1_200_000)
    execFileSync('flock', [APT_LOCK, 'true'], { stdio: 'ignore', timeout: 900_000 })
    missing = missing.filter((p) => !installed(p))
  }
  if (missing.length > 0) {
    t.setTimeout(1_200_000)
    t.comment(`installing ${missing.map((p) => p.debian).join(' ')} (apt-get)`)
    aptInstall(missing)
    missing = missing.filter((p) => !installed(p))
  }
  if (missing.length === 0) return false
  const reason = `needs ${missing.map((p) => p.command).join(', ')}: apt-get install -y ${missing.map((p) => p.debian).join(' ')}`
  if (process.env.CI === 'true') t.fail(`${reason} (CI=true: a missing program is a failure, not a skip)`)
  return reason
}
