import type { FastifyInstance } from 'fastify'
import { type BuildOptions, buildApp } from '../../src/app.js'
import { connectDatabase, type DatabaseHandle } from '../../src/db/connect.js'
import { nextFeedEvent, whenTrusted } from '../fixtures.js'
import { createMigratedPostgresDatabase, type Teardown, testConfig } from '../helper.js'
import { cacheLookups } from '../validation/fixtures.js'

/**
 * The PostgreSQL server for tests that only make sense on PostgreSQL (two
 * instances, a killed LISTEN connection). They run against it in BOTH CI runs —
 * the PGlite run sets TEST_DATABASE_URL to empty, so they fall back to
 * LATCHKEY_TEST_POSTGRES_URL or the local server .ci/run starts — and fail
 * loudly if it is not there. Their PGlite counterpart is in-process.test.ts.
 */
export const POSTGRES_SERVER_URL =
  process.env.TEST_DATABASE_URL ||
  process.env.LATCHKEY_TEST_POSTGRES_URL ||
  'postgres://postgres@127.0.0.1:5432/postgres'

export interface Instance {
  app: FastifyInstance
  database: DatabaseHandle
}

/** `count` app instances, each with its own pool and LISTEN connection, on one fresh, migrated PostgreSQL database. */
export async function postgresInstances(
  t: Teardown,
  count: number,
  options: Omit<BuildOptions, 'database' | 'logger'> = {},
): Promise<{ instances: Instance[]; url: string }> {
  const url = await createMigratedPostgresDatabase(t, POSTGRES_SERVER_URL)
  const instances: Instance[] = []
  for (let i = 0; i < count; i++) {
    const database = await connectDatabase({ databaseUrl: url, pgliteDataDir: '' })
    const app = await buildApp(testConfig(), { ...options, database, logger: false })
    t.teardown(async () => {
      await app.close()
      await database.close()
    })
    await app.ready()
    instances.push({ app, database })
  }
  return { instances, url }
}

/** Probes until the answer is served from the cache (the token cache, or the caller cache). */
export async function warm(
  app: FastifyInstance,
  probe: () => Promise<string>,
  cache: 'token' | 'caller' = 'token',
): Promise<{ answer: string; cached: boolean }> {
  // Nothing is cached before the instance listens for changes; after that, the second probe is a hit.
  await whenTrusted(app)
  let answer = await probe()
  for (let i = 0; i < 20; i++) {
    const before = (await cacheLookups(app, cache)).hit ?? 0
    answer = await probe()
    if (((await cacheLookups(app, cache)).hit ?? 0) > before) return { answer, cached: true }
  }
  return { answer, cached: false }
}

/**
 * Probes the instance until it gives `expected` (or 5 s pass), probing again at
 * every event of its invalidation feed; returns what it saw and how long it took.
 */
export async function waitFor(
  app: FastifyInstance,
  probe: () => Promise<string>,
  expected: string,
): Promise<{ answer: string; elapsedMs: number }> {
  const started = performance.now()
  for (;;) {
    const elapsed = performance.now() - started
    const next = nextFeedEvent(app, 5_000 - elapsed) // before the probe, so that no event slips between
    const answer = await probe()
    if (answer === expected || elapsed >= 5_000) return { answer, elapsedMs: performance.now() - started }
    await next
  }
}
