import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectDatabase } from '../../src/db/connect.js'
import { migratedPgliteDataDir } from '../database.js'
import {
  createEmptyPostgresDatabase,
  createMigratedPostgresDatabase,
  DATABASE_KIND,
  TEST_SECRET,
  type Teardown,
} from '../helper.js'

/** Opens the database a server process with these settings uses (while the server is not running, for PGlite). */
export function openServerDatabase(env: Record<string, string>) {
  return connectDatabase({ databaseUrl: env.DATABASE_URL, pgliteDataDir: join(env.DATA_DIR ?? '', 'pgdata') })
}

/**
 * The database settings for a `latchkey` process (a server or a command): a database of
 * its own, PostgreSQL or a PGlite DATA_DIR, migrated as `latchkey migrate` leaves it, or
 * `empty` for the tests of migrating itself.
 */
export async function serverDatabaseEnv(
  t: Teardown,
  { empty = false }: { empty?: boolean } = {},
): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-server-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  if (DATABASE_KIND === 'postgres') {
    const url = empty ? await createEmptyPostgresDatabase(t) : await createMigratedPostgresDatabase(t)
    return { DATABASE_URL: url, DATA_DIR: dir }
  }
  if (!empty) await migratedPgliteDataDir(join(dir, 'pgdata'))
  return { DATA_DIR: dir }
}

export interface LogLine {
  level: number
  msg: string
  reqId?: string
  req?: { url: string; method: string }
  res?: { statusCode: number }
  [key: string]: unknown
}

export interface ServerProcess {
  child: ChildProcess
  port: number
  logs: LogLine[]
  stderr: () => string
  exited: Promise<number | null>
  /** Resolves when a log line matching `test` appears. */
  waitForLog(test: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>
}

/** Starts `latchkey serve` (a command line such as `node --import tsx src/cli.ts`) and waits until it listens. */
export async function startServerProcess(
  t: Teardown,
  command: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<ServerProcess> {
  const [bin = process.execPath, ...args] = command
  const child = spawn(bin, [...args, 'serve'], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      SESSION_SECRET: TEST_SECRET,
      HOST: '127.0.0.1',
      PORT: '0',
      PUBLIC_URL: 'http://127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: LogLine[] = []
  const waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = []
  let buffered = ''
  let stderr = ''
  child.stderr?.on('data', (d) => (stderr += d))
  child.stdout?.on('data', (data: Buffer) => {
    buffered += data.toString('utf8')
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const text of lines) {
      if (!text.trim()) continue
      let line: LogLine
      try {
        line = JSON.parse(text) as LogLine
      } catch {
        line = { level: 0, msg: text }
      }
      logs.push(line)
      for (const w of [...waiters]) {
        if (w.test(line)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(line)
        }
      }
    }
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  const waitForLog = (test: (line: LogLine) => boolean, timeoutMs = 60_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const seen = logs.find(test)
      if (seen) return resolve(seen)
      const timer = setTimeout(
        () => reject(new Error(`log line not seen in ${timeoutMs} ms; stderr: ${stderr}`)),
        timeoutMs,
      )
      waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer)
          resolve(l)
        },
      })
      void exited.then(() => reject(new Error(`server exited early; stderr: ${stderr}`)))
    })
  // Starting (tsx, PGlite's WebAssembly, migrations) takes seconds, but past a minute on a machine busy with other suites.
  const listening = await waitForLog(
    (l) => /^Server listening at http:\/\/127\.0\.0\.1:\d+/.test(l.msg),
    180_000,
  )
  const port = Number(/:(\d+)$/.exec(listening.msg)?.[1])
  return { child, port, logs, stderr: () => stderr, exited, waitForLog }
}

export interface HttpResult {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One request on a connection of its own (no keep-alive), as a load balancer's health check would make. */
export function httpOnce(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        agent: false,
        headers: options.headers,
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
