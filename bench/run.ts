// npm run bench: Latchkey's token validation against bare Fastify, on PostgreSQL,
// with 10 000 and then 1 000 000 tokens in the table. Writes bench/RESULTS.md.
// Server and load generator are pinned to different CPUs (taskset); PostgreSQL
// is not pinned. Takes about six minutes.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import type autocannon from 'autocannon'
import pg from 'pg'
import { generateToken } from '../src/tokens/format.js'
import { type AutocannonLoad, type Measurement, runAutocannon, runWrk } from './load.js'
import { type Server, startServer } from './processes.js'
import { type ProfileSummary, summarizeProfile } from './profile.js'
import {
  type Machine,
  machineLines,
  profileSection,
  type Row,
  ratioOf,
  resultsTable,
  type Target,
  targetLines,
} from './report.js'
import {
  createBenchDatabase,
  insertFillerTokens,
  insertKnownTokens,
  type Owner,
  seedOwner,
  tokenCount,
} from './seed.js'

const SERVER_CPU = 0
const LOAD_CPU = 1
const POSTGRES = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8)
const WARMUP_S = 2
const COLD_PASS = 9_000
const PASSES = 3
const OUT = join('bench', '.out')
const LATCHKEY_PORT = 3201
const BARE_PORT = 3202
const LATCHKEY = `http://127.0.0.1:${LATCHKEY_PORT}`
const BARE = `http://127.0.0.1:${BARE_PORT}`

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`)
}

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

const hasWrk = ensureWrk()
execFileSync('taskset', ['-a', '-cp', String(LOAD_CPU), String(process.pid)], { stdio: 'ignore' })

function startLatchkey(databaseUrl: string, extraNodeArgs: string[] = []): Promise<Server> {
  return startServer({
    name: 'latchkey',
    cpu: SERVER_CPU,
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

function startBare(databaseUrl: string): Promise<Server> {
  return startServer({
    name: 'bare',
    cpu: SERVER_CPU,
    nodeArgs: ['--import', 'tsx', 'bench/bare-server.ts'],
    env: { DATABASE_URL: databaseUrl, PORT: String(BARE_PORT) },
    readyUrl: `${BARE}/constant`,
    logFile: join(OUT, 'bare.log'),
  })
}

const bearer = (path: string, token: string): autocannon.Request => ({
  method: 'GET',
  path,
  headers: { authorization: `Bearer ${token}` },
})

type Measured = Row['measurements'][number]

/**
 * Warms the JIT and the connection pool on the miss path without touching the
 * measured tokens: real tokens from the hot set (misses, then hits) alternating
 * with well-formed tokens that match nothing.
 */
async function warmMissPath(url: string, path: string, warmTokens: string[]): Promise<void> {
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
async function watch(server: Server, load: () => Promise<Measurement>): Promise<Measured> {
  server.resetPeakRss()
  const cpuBefore = await server.cpuMs()
  const measurement = await load()
  const cpuUsPerRequest = (((await server.cpuMs()) - cpuBefore) * 1000) / measurement.requests
  return { ...measurement, rssMb: server.peakRssMb(), cpuUsPerRequest }
}

/** A time-based row: warm-up, autocannon, then wrk as a cross-check. */
async function timedRow(
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
async function wrkMeasurement(server: Server, load: Parameters<typeof runWrk>[0]): Promise<Measured[]> {
  return hasWrk ? [await watch(server, () => runWrk({ ...load, durationS: DURATION_S }))] : []
}

function median(passes: Measured[]): Measured {
  const sorted = [...passes].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)
  const middle = sorted[Math.floor(sorted.length / 2)] as Measured
  return { ...middle, rssMb: Math.max(...passes.map((p) => p.rssMb)), passes: passes.length }
}

/**
 * Every request a token this server process has not seen: one pass per slice of
 * distinct tokens. With `restartEachPass` a fresh server (empty cache) is started
 * for each pass and stopped after; otherwise the given server is reused and left running.
 */
async function coldPasses(
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
    await warmMissPath(path === '/lookup' ? BARE : LATCHKEY, path, warmTokens)
    let index = 0
    passes.push(
      await watch(server, () =>
        runAutocannon({
          url: path === '/lookup' ? BARE : LATCHKEY,
          next: () => bearer(path, slice[index++ % slice.length] as string),
          amount: slice.length,
        }),
      ),
    )
  }
  if (restartEachPass) await server?.stop()
  return { ...row, measurements: [median(passes)] }
}

/** Runs `load` against a Latchkey started with --cpu-prof; summarises the samples taken during the measured part. */
async function profileUnder(
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

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true })
  mkdirSync(OUT, { recursive: true })
  log('building dist/ (the server runs compiled, as in production)')
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
  const started = new Date()
  const loadBefore = os.loadavg()
  log(`load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`)
  const databaseUrl = await createBenchDatabase(POSTGRES)
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 })
  const owner: Owner = await seedOwner(pool, databaseUrl)
  log('seeding 10 000 tokens')
  const known = await insertKnownTokens(pool, owner, 10_000)
  await pool.query('ANALYZE tokens')
  const hot = known.slice(0, 1000)
  // Cold passes use the other 9 000; the hot ones warm the miss path up first.
  const cold10k = known.slice(1000)
  writeFileSync(join(OUT, 'hot.txt'), `${hot.join('\n')}\n`)
  writeFileSync(join(OUT, 'known.txt'), `${known.join('\n')}\n`)
  const rows: Row[] = []
  const phase10k = `${(await tokenCount(pool)).toLocaleString('en-US')} tokens`

  const bare = await startBare(databaseUrl)
  rows.push(
    await timedRow(
      bare,
      { phase: phase10k, name: 'bare Fastify, constant JSON', reference: 'constant', expected: '200' },
      { url: `${BARE}/constant` },
      { url: `${BARE}/constant`, cpu: LOAD_CPU },
    ),
  )
  const floor10k = await coldPasses(
    {
      phase: phase10k,
      name: 'bare Fastify, one indexed lookup by hash',
      reference: 'floor',
      expected: '200',
    },
    async () => bare,
    '/lookup',
    Array.from({ length: PASSES }, () => cold10k),
    false,
    hot,
  )
  floor10k.measurements.push(
    ...(await wrkMeasurement(bare, {
      url: BARE,
      cpu: LOAD_CPU,
      script: 'bench/wrk-tokens.lua',
      env: { BENCH_TOKENS: join(OUT, 'known.txt'), BENCH_PATH: '/lookup' },
    })),
  )
  rows.push(floor10k)
  await bare.stop()

  const latchkey = await startLatchkey(databaseUrl)
  const hotRequests = hot.map((token) => bearer('/verify', token))
  rows.push(
    await timedRow(
      latchkey,
      {
        phase: phase10k,
        name: '/verify hot (1 000 tokens, cache hits)',
        compareWith: 'constant',
        expected: '200',
      },
      { url: LATCHKEY, requests: hotRequests },
      {
        url: LATCHKEY,
        cpu: LOAD_CPU,
        script: 'bench/wrk-tokens.lua',
        env: { BENCH_TOKENS: join(OUT, 'hot.txt') },
      },
    ),
  )
  rows.push(
    await timedRow(
      latchkey,
      {
        phase: phase10k,
        name: '/oauth/introspect hot (service caller)',
        compareWith: 'constant',
        expected: '200',
      },
      {
        url: LATCHKEY,
        requests: hot.map((token) => ({
          method: 'POST',
          path: '/oauth/introspect',
          headers: { authorization: owner.serviceBasic, 'content-type': 'application/x-www-form-urlencoded' },
          body: `token=${token}`,
        })),
      },
      {
        url: LATCHKEY,
        cpu: LOAD_CPU,
        script: 'bench/wrk-tokens.lua',
        env: { BENCH_TOKENS: join(OUT, 'hot.txt'), BENCH_INTROSPECT: '1', BENCH_BASIC: owner.serviceBasic },
      },
    ),
  )
  const good = generateToken('personal')
  const malformed = ['lkp_notatoken', `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`, 'x'.repeat(53)]
  rows.push(
    await timedRow(
      latchkey,
      { phase: phase10k, name: '/verify malformed tokens (401)', compareWith: 'constant', expected: '401' },
      { url: LATCHKEY, requests: malformed.map((token) => bearer('/verify', token)), expectedStatus: 401 },
      {
        url: `${LATCHKEY}/verify`,
        cpu: LOAD_CPU,
        headers: { Authorization: 'Bearer lkp_notatoken' },
        expectNon2xx: true,
      },
    ),
  )
  await latchkey.stop()
  rows.push(
    await coldPasses(
      {
        phase: phase10k,
        name: '/verify cold (every request a new token)',
        compareWith: 'floor',
        expected: '200',
      },
      () => startLatchkey(databaseUrl),
      '/verify',
      Array.from({ length: PASSES }, () => cold10k),
      true,
      hot,
    ),
  )
  const hotRequests10k = hot.map((token) => bearer('/verify', token))
  const profiles = {
    hot: await profileUnder(
      databaseUrl,
      'hot',
      () => runAutocannon({ url: LATCHKEY, requests: hotRequests10k, durationS: WARMUP_S }),
      () => runAutocannon({ url: LATCHKEY, requests: hotRequests10k, durationS: 6 }),
    ),
    cold: await profileUnder(
      databaseUrl,
      'cold',
      () => warmMissPath(LATCHKEY, '/verify', hot),
      () => {
        let index = 0
        return runAutocannon({
          url: LATCHKEY,
          next: () => bearer('/verify', cold10k[index++] as string),
          amount: cold10k.length,
        })
      },
    ),
  }

  log('seeding up to 1 000 000 tokens')
  const spread: string[] = []
  let filler = 1
  const rounds = PASSES * 10
  const fillerPerRound = Math.floor((1_000_000 - 10_000 - rounds * 1000) / rounds)
  for (let round = 0; round < rounds; round++) {
    await insertFillerTokens(pool, owner, filler, fillerPerRound)
    filler += fillerPerRound
    spread.push(...(await insertKnownTokens(pool, owner, 1000)))
  }
  const missing = 1_000_000 - (await tokenCount(pool))
  if (missing > 0) await insertFillerTokens(pool, owner, filler, missing)
  await pool.query('ANALYZE tokens')
  const phase1m = `${(await tokenCount(pool)).toLocaleString('en-US')} tokens`
  writeFileSync(join(OUT, 'spread.txt'), `${spread.join('\n')}\n`)
  const slices = Array.from({ length: PASSES }, (_, i) => spread.slice(i * COLD_PASS, (i + 1) * COLD_PASS))

  const bare1m = await startBare(databaseUrl)
  const floor1m = await coldPasses(
    { phase: phase1m, name: 'bare Fastify, one indexed lookup by hash', reference: 'floor', expected: '200' },
    async () => bare1m,
    '/lookup',
    slices,
    false,
    hot,
  )
  floor1m.measurements.push(
    ...(await wrkMeasurement(bare1m, {
      url: BARE,
      cpu: LOAD_CPU,
      script: 'bench/wrk-tokens.lua',
      env: { BENCH_TOKENS: join(OUT, 'spread.txt'), BENCH_PATH: '/lookup' },
    })),
  )
  rows.push(floor1m)
  await bare1m.stop()
  const latchkey1m = await startLatchkey(databaseUrl)
  rows.push(
    await timedRow(
      latchkey1m,
      {
        phase: phase1m,
        name: '/verify hot (1 000 tokens, cache hits)',
        compareWith: 'constant',
        expected: '200',
      },
      { url: LATCHKEY, requests: hotRequests },
      {
        url: LATCHKEY,
        cpu: LOAD_CPU,
        script: 'bench/wrk-tokens.lua',
        env: { BENCH_TOKENS: join(OUT, 'hot.txt') },
      },
    ),
  )
  await latchkey1m.stop()
  rows.push(
    await coldPasses(
      {
        phase: phase1m,
        name: '/verify cold (every request a new token)',
        compareWith: 'floor',
        expected: '200',
      },
      () => startLatchkey(databaseUrl),
      '/verify',
      slices,
      true,
      hot,
    ),
  )
  await pool.end()

  const machine: Machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: os.totalmem() / 1024 ** 3,
    node: process.version,
    postgres: (await versionOf(POSTGRES)) ?? 'PostgreSQL',
    loadBefore,
    loadAfter: os.loadavg(),
    started,
    finished: new Date(),
  }
  writeResults(rows, machine, profiles)
  log('wrote bench/RESULTS.md')
}

async function versionOf(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const { rows } = await client.query<{ version: string }>('SELECT version()')
  await client.end()
  return rows[0]?.version.split(' on ')[0]
}

function targets(rows: Row[]): Target[] {
  const find = (phaseIndex: 0 | 1, name: string) => {
    const phases = [...new Set(rows.map((r) => r.phase))]
    return rows.find((r) => r.phase === phases[phaseIndex] && r.name.startsWith(name))
  }
  const both = (row: Row | undefined, kind: 'constant' | 'floor', minimum: number) => {
    const values = ['autocannon', 'wrk'].map((tool) => [tool, ratioOf(rows, row, tool, kind)] as const)
    const measured = values.filter(([, v]) => Number.isFinite(v))
    return {
      met: measured.length > 0 && measured.every(([, v]) => v >= minimum),
      detail: measured.map(([tool, v]) => `${v.toFixed(2)} (${tool})`).join(', '),
    }
  }
  const hot = find(0, '/verify hot')
  const hotP99 = Math.max(...(hot?.measurements.map((m) => m.p99Ms) ?? [Number.NaN]))
  const cold10k = find(0, '/verify cold')?.measurements[0]
  const cold1m = find(1, '/verify cold')?.measurements[0]
  const growth = cold10k && cold1m ? cold1m.requestsPerSecond / cold10k.requestsPerSecond : Number.NaN
  const rss = Math.max(...rows.filter((r) => !r.reference).flatMap((r) => r.measurements.map((m) => m.rssMb)))
  return [
    { text: 'hot /verify ≥ 0.50 × bare Fastify req/s', ...both(hot, 'constant', 0.5) },
    { text: 'hot /verify p99 < 5 ms', met: hotP99 < 5, detail: `worst p99 ${hotP99.toFixed(2)} ms` },
    {
      text: 'hot /oauth/introspect ≥ 0.45 × bare Fastify',
      ...both(find(0, '/oauth/introspect'), 'constant', 0.45),
    },
    {
      text: 'cold /verify ≥ 0.80 × the one-lookup floor (10 000 tokens)',
      ...both(find(0, '/verify cold'), 'floor', 0.8),
    },
    {
      text: 'cold /verify ≥ 0.80 × the one-lookup floor (1 000 000 tokens)',
      ...both(find(1, '/verify cold'), 'floor', 0.8),
    },
    {
      text: 'cold /verify with 1 000 000 tokens within 10 % of 10 000',
      met: Math.abs(1 - growth) <= 0.1,
      detail: `${growth.toFixed(2)} × (${Math.round(cold1m?.requestsPerSecond ?? 0)} vs ${Math.round(cold10k?.requestsPerSecond ?? 0)} req/s)`,
    },
    {
      text: 'malformed tokens ≥ 0.60 × bare Fastify',
      ...both(find(0, '/verify malformed'), 'constant', 0.6),
    },
    { text: 'server RSS < 200 MB throughout', met: rss < 200, detail: `highest ${rss.toFixed(0)} MB` },
  ]
}

function writeResults(
  rows: Row[],
  machine: Machine,
  profiles: { hot: ProfileSummary | undefined; cold: ProfileSummary | undefined },
): void {
  const analysis = existsSync('bench/ANALYSIS.md') ? readFileSync('bench/ANALYSIS.md', 'utf8') : ''
  const text = `# Benchmark results

Written by \`npm run bench\` (bench/run.ts); the sections after "Targets" come from bench/ANALYSIS.md.

## Method
- PostgreSQL database \`latchkey_bench\`, recreated and migrated; one account, one admin, one application
  authorized there, one service. Tokens are bulk-inserted (\`INSERT … SELECT unnest(…)\` for tokens whose value
  the bench knows, \`INSERT … SELECT generate_series\` for filler): first 10 000 real tokens, then filler and
  30 000 more real tokens spread through it up to 1 000 000 rows, then \`ANALYZE\`.
- Latchkey runs as in production (\`node dist/cli.js serve\` after \`tsc -p tsconfig.build.json\`,
  \`NODE_ENV=production\`, \`LOG_LEVEL=info\`, pool of 10) pinned to CPU ${SERVER_CPU} with taskset; the load generator (this script, autocannon in-process, and wrk) is pinned to
  CPU ${LOAD_CPU}. PostgreSQL is not pinned and shares both CPUs.
- The reference server (bench/bare-server.ts, run through tsx) is bare Fastify on the same Node and CPU: \`/constant\` returns a
  constant JSON (the ceiling), \`/lookup\` hashes the bearer token and runs one prepared statement
  \`SELECT id FROM tokens WHERE token_hash = $1\` on a pool of 10 and nothing else (the floor for a cache miss).
- ${50} connections. Time-based rows: ${WARMUP_S} s warm-up (discarded), ${DURATION_S} s of autocannon, then ${DURATION_S} s of wrk
  (\`-t1 -c50\`, bench/wrk-tokens.lua cycles tokens per request). Hot rows cycle 1 000 tokens.
- Cold rows: every request carries a token the server process has not seen. A pass is ${COLD_PASS.toLocaleString('en-US')}
  requests with ${COLD_PASS.toLocaleString('en-US')} distinct real tokens (autocannon \`amount\`, a new request built for each
  send); Latchkey is restarted before each pass so its cache starts empty, and warmed for ${WARMUP_S} s with
  the 1 000 hot tokens (misses, then hits) alternating with well-formed tokens that match nothing, so the miss
  path is compiled before the pass without caching a measured token. The bare lookup server is warmed the same way.
  ${PASSES} passes, the median is reported. With 1 000 000 tokens the passes use tokens spread through the table. The
  floor row is measured the same way (autocannon, same token passes) and also with wrk for ${DURATION_S} s.
  wrk is not used for cold rows (it cannot stop after N distinct tokens).
- Server RSS: the highest VmRSS of the server process sampled every 200 ms during the row. Server CPU: the
  process's user + system time (/proc/<pid>/stat, 10 ms resolution) during the row, divided by the requests.
- Ratios divide req/s by the reference row of the same run and the same tool (constant: the 10 000-token phase;
  floor: the same phase).

## Machine
${machineLines(machine)}

## Results
${resultsTable(rows)}

## Targets
${targetLines(targets(rows))}

## Where the time goes
CPU profiles of the server (\`node --cpu-prof\`), counting only the samples taken while the load ran.

### Hot path: /verify with 1 000 cached tokens
${profileSection(profiles.hot, 'hot /verify (autocannon, 1 000 tokens, 6 s)')}

### Miss path: /verify with 10 000 tokens it has not seen
${profileSection(profiles.cold, 'cold /verify (autocannon, 10 000 distinct tokens, fresh server)')}

${analysis}`
  writeFileSync('bench/RESULTS.md', text)
}

await main()
