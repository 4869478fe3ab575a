import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../server-process.js'

/**
 * A throw-away PostgreSQL cluster that a test may stop and start at will, so
 * fault tests never disturb the shared server other test files use. Runs the
 * Debian PostgreSQL binaries as the `postgres` user (the server refuses root).
 */
export class OwnPostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  static async create(): Promise<OwnPostgres> {
    const versions = readdirSync('/usr/lib/postgresql').sort()
    const version = versions.at(-1)
    if (!version) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql')
    const bin = `/usr/lib/postgresql/${version}/bin`
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-pg-'))
    chmodSync(dir, 0o700)
    const { uid, gid } = postgresIds()
    chownSync(dir, uid, gid)
    const port = await freePort()
    const cluster = new OwnPostgres(dir, port, bin)
    cluster.asPostgres([
      'initdb',
      '-D',
      join(dir, 'data'),
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ])
    cluster.start()
    return cluster
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
  }

  start(): void {
    this.asPostgres([
      'pg_ctl',
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'log'),
      '-w',
      '-t',
      '30',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ])
  }

  /** `immediate` is a crash (no checkpoint); `fast` a clean shutdown that ends every connection. */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    this.asPostgres(['pg_ctl', '-D', join(this.dir, 'data'), '-m', mode, '-w', 'stop'])
  }

  destroy(): void {
    try {
      this.stop('immediate')
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true })
  }

  private asPostgres(args: string[]): void {
    const [command, ...rest] = args as [string, ...string[]]
    execFileSync('runuser', ['-u', 'postgres', '--', join(this.bin, command), ...rest], {
      stdio: 'pipe',
      cwd: this.dir,
    })
  }
}

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
  return { uid, gid }
}
