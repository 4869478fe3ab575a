import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type autocannon from 'autocannon'
import { generateToken } from '../src/tokens/format.js'
import { type AutocannonLoad, type Measurement, runAutocannon, runWrk, type WrkLoad } from './load.js'
import { type Server, startServer } from './processes.js'
import { type ProfileSummary, summarizeProfile } from './profile.js'
import type { Row } from './report.js'
import {
  BARE,
  BARE_PORT,
  COLD_ROUNDS,
  DURATION_S,
  LATCHKEY,
  LATCHKEY_PORT,
  log,
  OUT,
  SERVER_CPU,
  WARMUP_S,
} from './settings.js'

function ensureWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' })
  } catch (error) {
    // wrk prints its version and exits 1; only a missing binary matters.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return true
    if (process.getuid?.() !== 0) return false
    log('installing wrk (apt-get install -y wrk)')
    execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq wrk'], { stdio: 'inherit' })
  }
  return true
}

let hasWrk = false

/** Finds (or, as root, installs) Debian's wrk; without it the wrk cross-check rows are left out. */
export function prepareWrk(): void {
  hasWrk = ensureWrk()
}

export function startLatchkey(
  databaseUrl: string,
  extraNodeArgs: string[] = [],
  cpu: number | string = SERVER_CPU,
): Promise<Server> {
  return startServer({
    name: 'latchkey',
    cpu,
    nodeArgs: [...extraNodeArgs, 'dist/cli.js', 'serve'],
    env: {
      DATABASE_URL: databaseUrl,
      PORT: String(LATCHKEY_PORT),
      HOST: '127.0.0.1',
      PUBLIC_URL: LATCHKEY,
      NODE_ENV: 'production',
      SESSION_SECRET: 'bench-session-secret-bench-session-secret-0123',
      LOG_LEVEL: 'info',
    },
    readyUrl: `${LATCHKEY}/readyz`,
    logFile: join(OUT, 'latchkey.log'),
  })
}

export function startBare(databaseUrl: string): Promise<Server> {
  return startServer({
    name: 'bare',
    cpu: SERVER_CPU,
    nodeArgs: ['--import', 'tsx', 'bench/bare-server.ts'],
    env: { DATABASE_URL: databaseUrl, PORT: String(BARE_PORT) },
    readyUrl: `${BARE}/constant`,
    logFile: join(OUT, 'bare.log'),
  })
}

export const bearer = (path: string, token: string): autocannon.Request => ({
  method: 'GET',
  path,
  headers: { authorization: `Bearer ${token}` },
})

export type Measured = Row['measurements'][number]

/**
 * Warms the JIT and the connection pool on the miss path without touching the
 * measured tokens: real tokens from the hot set (misses, then hits) alternating
 * with well-formed tokens that match nothing.
 */
export async function warmMissPath(url: string, path: string, warmTokens: string[]): Promise<void> {
  let index = 0
  await runAutocannon({
    url,
    next: () =>
      bearer(
        path,
        index++ % 2 ? generateToken('personal') : (warmTokens[index % warmTokens.length] as string),
      ),
    durationS: WARMUP_S,
    expectedStatus: 0,
  })
}

/** Runs one load while watching the server: its peak RSS and the CPU it spent per request. */
export async function watch(server: Server, load: () => Promise<Measurement>): Promise<Measured> {
  server.resetPeakRss()
  const cpuBefore = await server.cpuMs()
  const measurement = await load()
  const cpuUsPerRequest = (((await server.cpuMs()) - cpuBefore) * 1000) / measurement.requests
  return { ...measurement, rssMb: server.peakRssMb(), cpuUsPerRequest }
}

/** One round of `interleaved`: the same wrk load on each side, one after the other. */
export interface InterleavedRound {
  reference: Measured
  measured: Measured
  /** measured ÷ reference, in req/s. */
  ratio: number
}

/**
 * Alternates wrk runs of a reference and a measured load, `rounds` times. This
 * virtual machine's speed drifts by up to 2× within minutes (bench/ANALYSIS.md),
 * so a ratio of two rows measured minutes apart says as much about the drift as
 * about the servers; runs seconds apart, compared round by round, see the same
 * machine.
 */
export async function interleaved(
  reference: { server: Server; load: WrkLoad },
  measured: { server: Server; load: WrkLoad },
  rounds: number,
  durationS: number,
): Promise<InterleavedRound[]> {
  const results: InterleavedRound[] = []
  for (let round = 0; round < rounds; round++) {
    const a = await watch(reference.server, () => runWrk({ ...reference.load, durationS }))
    const b = await watch(measured.server, () => runWrk({ ...measured.load, durationS }))
    results.push({ reference: a, measured: b, ratio: b.requestsPerSecond / a.requestsPerSecond })
  }
  return results
}

/** A time-based row: warm-up, autocannon, then wrk as a cross-check. */
export async function timedRow(
  server: Server,
  row: Omit<Row, 'measurements'>,
  load: AutocannonLoad,
  wrk: Parameters<typeof runWrk>[0] | undefined,
): Promise<Row> {
  log(`${row.phase}: ${row.name}`)
  await runAutocannon({ ...load, durationS: WARMUP_S })
  const measurements = [await watch(server, () => runAutocannon({ ...load, durationS: DURATION_S }))]
  if (wrk && hasWrk) measurements.push(await watch(server, () => runWrk({ ...wrk, durationS: DURATION_S })))
  return { ...row, measurements }
}

/** wrk alone (the floor's cross-check), after the autocannon passes have warmed the server. */
export async function wrkMeasurement(
  server: Server,
  load: Parameters<typeof runWrk>[0],
): Promise<Measured[]> {
  return hasWrk ? [await watch(server, () => runWrk({ ...load, durationS: DURATION_S }))] : []
}

export function median(passes: Measured[]): Measured {
  const sorted = [...passes].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)
  const middle = sorted[Math.floor(sorted.length / 2)] as Measured
  return { ...middle, rssMb: Math.max(...passes.map((p) => p.rssMb)), passes: passes.length }
}

/**
 * Every request a token this server process has not seen: one pass per slice of
 * distinct tokens. With `restartEachPass` a fresh server (empty cache) is started
 * for each pass and stopped after; otherwise the given server is reused and left running.
 */
export async function coldPasses(
  row: Omit<Row, 'measurements'>,
  start: () => Promise<Server>,
  path: string,
  slices: string[][],
  restartEachPass: boolean,
  warmTokens: string[],
): Promise<Row> {
  log(`${row.phase}: ${row.name}`)
  const passes: Measured[] = []
  let server: Server | undefined
  for (const slice of slices) {
    if (!server || restartEachPass) {
      await server?.stop()
      server = await start()
    }
    passes.push(await coldPass(server, path, slice, warmTokens))
  }
  if (restartEachPass) await server?.stop()
  return { ...row, measurements: [median(passes)] }
}

/** One cold pass: the miss path warmed, then every token of `slice` once (autocannon `amount`). */
async function coldPass(
  server: Server,
  path: string,
  slice: string[],
  warmTokens: string[],
): Promise<Measured> {
  const url = path === '/lookup' ? BARE : LATCHKEY
  await warmMissPath(url, path, warmTokens)
  let index = 0
  return watch(server, () =>
    runAutocannon({
      url,
      next: () => bearer(path, slice[index++ % slice.length] as string),
      amount: slice.length,
    }),
  )
}

/**
 * Cold `/verify` and the floor in turn, as `interleaved` does for the hot path:
 * COLD_ROUNDS pairs, each a pass of the floor (bare Fastify's `/lookup`, kept
 * running) and then a pass of a Latchkey started afresh (its cache empty), on the
 * same tokens (`slice(pair)`). The floor's own rate moved by half from one run to
 * the next (bench/ANALYSIS.md, sixth round), so only passes seconds apart are compared.
 */
export async function interleavedCold(
  databaseUrl: string,
  phase: string,
  slice: (pair: number) => string[],
  warmTokens: string[],
): Promise<InterleavedRound[]> {
  log(`${phase}: cold /verify and the floor, interleaved (${COLD_ROUNDS} pairs of passes)`)
  const floor = await startBare(databaseUrl)
  const results: InterleavedRound[] = []
  try {
    for (let pair = 0; pair < COLD_ROUNDS; pair++) {
      const reference = await coldPass(floor, '/lookup', slice(pair), warmTokens)
      const server = await startLatchkey(databaseUrl)
      const measured = await coldPass(server, '/verify', slice(pair), warmTokens)
      await server.stop()
      results.push({ reference, measured, ratio: measured.requestsPerSecond / reference.requestsPerSecond })
    }
  } finally {
    await floor.stop()
  }
  return results
}

/** Runs `load` against a Latchkey started with --cpu-prof; summarises the samples taken during the measured part. */
export async function profileUnder(
  databaseUrl: string,
  label: string,
  warm: () => Promise<unknown>,
  load: () => Promise<unknown>,
): Promise<ProfileSummary | undefined> {
  const dir = join(OUT, `profile-${label}`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  log(`profiling ${label} (--cpu-prof)`)
  const server = await startLatchkey(databaseUrl, ['--cpu-prof', `--cpu-prof-dir=${dir}`])
  await warm()
  const from = Number(process.hrtime.bigint() / 1000n)
  await load()
  const to = Number(process.hrtime.bigint() / 1000n)
  await server.stop()
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))
  return file ? summarizeProfile(join(dir, file), [from, to]) : undefined
}
