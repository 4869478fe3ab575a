// npm run bench: Latchkey's token validation against bare Fastify, on PostgreSQL,
// with 10 000 and then 1 000 000 tokens in the table. Writes bench/RESULTS.md.
// Server and load generator are pinned to different CPUs (taskset); PostgreSQL
// is not pinned. Takes about five minutes.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { generateToken } from '../src/tokens/format.js'
import { runAutocannon, runWrk } from './load.js'
import type { Machine, Row } from './report.js'
import { TUNED_NODE_FLAG, versionOf, writeResults } from './results.js'
import {
  bearer,
  coldPasses,
  type InterleavedRound,
  interleaved,
  interleavedCold,
  prepareWrk,
  profileUnder,
  startBare,
  startLatchkey,
  timedRow,
  warmMissPath,
  wrkMeasurement,
} from './rows.js'
import {
  createBenchDatabase,
  fillToOneMillion,
  insertKnownTokens,
  type Owner,
  seedOwner,
  tokenCount,
} from './seed.js'
import {
  BARE,
  COLD_PASS,
  INTERLEAVED_ROUNDS,
  INTERLEAVED_S,
  LATCHKEY,
  LOAD_CPU,
  log,
  OUT,
  PASSES,
  POSTGRES,
  RAW,
  WARMUP_S,
} from './settings.js'
import { runSignInStorm } from './sign-in-storm.js'

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
  await pool.query('VACUUM (ANALYZE) tokens')
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
  rows.push(
    await timedRow(
      bare,
      {
        phase: phase10k,
        name: "bare Fastify, /verify's answer (its headers and body, constant)",
        reference: 'answer',
        expected: '200',
      },
      { url: `${BARE}/answer` },
      { url: `${BARE}/answer`, cpu: LOAD_CPU },
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
  const hotWrk = {
    url: LATCHKEY,
    cpu: LOAD_CPU,
    script: 'bench/wrk-tokens.lua',
    env: { BENCH_TOKENS: join(OUT, 'hot.txt') },
  }
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
      hotWrk,
    ),
  )
  const bareAgain = await startBare(databaseUrl)
  log(`${phase10k}: hot /verify and bare Fastify, interleaved (${INTERLEAVED_ROUNDS} rounds)`)
  await runWrk({ url: `${BARE}/constant`, cpu: LOAD_CPU, durationS: WARMUP_S })
  const rounds = await interleaved(
    { server: bareAgain, load: { url: `${BARE}/constant`, cpu: LOAD_CPU } },
    { server: latchkey, load: hotWrk },
    INTERLEAVED_ROUNDS,
    INTERLEAVED_S,
  )
  await bareAgain.stop()
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
  // The same hot load with a smaller V8 young generation: less memory, same speed (see ANALYSIS.md).
  const tuned = await startLatchkey(databaseUrl, [TUNED_NODE_FLAG])
  rows.push(
    await timedRow(
      tuned,
      {
        phase: phase10k,
        name: `/verify hot, node ${TUNED_NODE_FLAG}`,
        compareWith: 'constant',
        expected: '200',
      },
      { url: LATCHKEY, requests: hotRequests },
      hotWrk,
    ),
  )
  await tuned.stop()
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
  const coldRounds: Record<string, InterleavedRound[]> = {}
  coldRounds[phase10k] = await interleavedCold(databaseUrl, phase10k, () => cold10k, hot)
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
  const spread = await fillToOneMillion(pool, owner, PASSES * 10)
  await pool.query('VACUUM (ANALYZE) tokens')
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
      hotWrk,
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
  coldRounds[phase1m] = await interleavedCold(
    databaseUrl,
    phase1m,
    (i) => slices[i % slices.length] ?? [],
    hot,
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
  writeFileSync(RAW, JSON.stringify({ rows, machine, profiles, rounds, coldRounds }, null, 1))
  writeResults(rows, machine, profiles, rounds, coldRounds)
  log('wrote bench/RESULTS.md')
  await runSignInStorm()
  log('wrote the sign-in storm section of bench/RESULTS.md')
}

// `npm run bench -- --report` rewrites RESULTS.md from the last run's numbers
// (bench/.out/results.json), e.g. after editing bench/ANALYSIS.md.
if (process.argv.includes('--report')) {
  const raw = JSON.parse(readFileSync(RAW, 'utf8'), (key, value) =>
    key === 'started' || key === 'finished' ? new Date(value) : value,
  )
  writeResults(raw.rows, raw.machine, raw.profiles, raw.rounds ?? [], raw.coldRounds ?? {})
} else if (process.argv.includes('--verifier')) {
  // Only the verifier library's rows (a few minutes), into their section of RESULTS.md.
  mkdirSync(OUT, { recursive: true })
  log('building dist/ (the server runs compiled, as in production)')
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
  const { runVerifierRows } = await import('./verifier-section.js')
  await runVerifierRows()
} else if (process.argv.includes('--storm')) {
  // Only the sign-in storm rows (about a minute), into their section of RESULTS.md.
  mkdirSync(OUT, { recursive: true })
  log('building dist/ (the server runs compiled, as in production)')
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
  execFileSync('taskset', ['-a', '-cp', String(LOAD_CPU), String(process.pid)], { stdio: 'ignore' })
  await runSignInStorm()
} else {
  prepareWrk()
  execFileSync('taskset', ['-a', '-cp', String(LOAD_CPU), String(process.pid)], { stdio: 'ignore' })
  await main()
}
