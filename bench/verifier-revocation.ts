// The verifier library against a real Latchkey (issue 15.5): the time from a
// revocation to the library answering inactive, over 100 revocations. Latchkey
// runs as its own process on PostgreSQL (the bench database), the library in this
// one; each round caches a token in the library, revokes it through the API, and
// asks the library every millisecond until it says inactive.
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { generateToken, hashToken, tokenHint } from '../src/tokens/format.js'
import { createVerifier } from '../src/verifier/index.js'
import { startServer } from './processes.js'
import { createBenchDatabase, seedOwner } from './seed.js'
import { LATCHKEY, LATCHKEY_PORT, log, OUT, POSTGRES, SERVER_CPU } from './settings.js'

const ROUNDS = 100

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

export async function measureRevocationLatency(): Promise<{ p50: number; p99: number; max: number }> {
  const databaseUrl = await createBenchDatabase(POSTGRES)
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  const owner = await seedOwner(pool, databaseUrl)
  const [serviceId, serviceSecret] = Buffer.from(owner.serviceBasic.slice(6), 'base64').toString().split(':')
  const insertToken = async (token: string, permission: string) =>
    (
      await pool.query(
        "INSERT INTO tokens (kind, token_hash, hint, name, account_id, user_id, permission) VALUES ('personal', $1, $2, 'bench', $3, $4, $5) RETURNING id",
        [hashToken(token), tokenHint(token), owner.accountId, owner.userId, permission],
      )
    ).rows[0].id as number
  const admin = generateToken('personal')
  await insertToken(admin, 'admin')

  const server = await startServer({
    name: 'latchkey',
    cpu: SERVER_CPU,
    nodeArgs: ['dist/cli.js', 'serve'],
    env: {
      DATABASE_URL: databaseUrl,
      PORT: String(LATCHKEY_PORT),
      HOST: '127.0.0.1',
      PUBLIC_URL: LATCHKEY,
      SESSION_SECRET: 'bench-session-secret-that-is-long-enough-0123456789',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
    },
    readyUrl: `${LATCHKEY}/readyz`,
    logFile: `${OUT}/verifier-revocation-server.log`,
  })
  let up!: () => void
  const streaming = new Promise<void>((resolve) => (up = resolve))
  const verifier = createVerifier({
    url: LATCHKEY,
    serviceId: Number(serviceId),
    serviceSecret: serviceSecret ?? '',
    onEvent: (name) => name === 'stream_up' && up(),
  })
  const latencies: number[] = []
  try {
    await streaming
    for (let round = 0; round < ROUNDS; round++) {
      const token = generateToken('personal')
      const id = await insertToken(token, 'publish')
      if (!(await verifier.verify(token)).active) throw new Error('a fresh token is not active')
      if (!(await verifier.verify(token)).active) throw new Error('a cached token is not active')
      const started = performance.now()
      const revoked = await fetch(`${LATCHKEY}/api/v1/tokens/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${admin}` },
      })
      if (revoked.status !== 204) throw new Error(`revoking answered ${revoked.status}`)
      while ((await verifier.verify(token)).active) {
        if (performance.now() - started > 10_000) throw new Error('still active after 10 s')
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
      latencies.push(performance.now() - started)
    }
  } finally {
    await verifier.close()
    await server.stop()
    await pool.end()
  }
  latencies.sort((a, b) => a - b)
  const result = {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? 0,
  }
  log(
    `revocation → verifier inactive over ${ROUNDS}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(1)} ms`,
  )
  return result
}
