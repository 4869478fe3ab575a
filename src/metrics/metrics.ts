import { Counter, Gauge, Registry } from 'prom-client'
import type { DatabaseHandle } from '../db/connect.js'
import type { InactiveReason } from '../validation/validator.js'
import { VERSION } from '../version.js'
import { TalliedHistogram } from './tallied-histogram.js'
import { Tally } from './tally.js'

export type ValidationOutcome = 'active' | InactiveReason | 'insufficient_permission'

/** Latency buckets in seconds: token checks take a millisecond, logins (argon2) a few hundred. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

/**
 * One registry per app instance (tests build many apps in one process, and
 * prom-client's global registry would refuse the second). Features add their
 * metrics here; `GET /metrics` serialises the registry together with the
 * process-wide metrics (see process-metrics.ts).
 *
 * With WORKERS > 1 the workers' registries are merged (cluster/metrics.ts), each
 * metric by its `aggregator`: counters and histograms are summed (requests of all
 * workers), and so are the pool gauges (connections of all workers together);
 * `latchkey_invalidation_listening` takes the minimum (1 only while every worker
 * listens) and `latchkey_build_info` the first (all workers run the same build).
 */
export function createMetrics() {
  const registry = new Registry()
  // Counted on every token check: tallied in plain numbers, added to the counters when read.
  const validationTally = new Tally<'outcome'>()
  const cacheTally = new Tally<'cache' | 'result'>()
  // Counted on every request (http-metrics.ts), the same way.
  const httpTally = new Tally<'method' | 'route' | 'status'>()
  const metrics = {
    registry,
    httpRequests: httpTally.attach(
      new Counter({
        name: 'latchkey_http_requests_total',
        help: 'HTTP requests by method, route pattern and status code',
        labelNames: ['method', 'route', 'status'] as const,
        registers: [registry],
        collect: () => httpTally.flush(),
      }),
    ),
    httpTally,
    // Observed on every request too: keyed by the same constant label objects (tallied-histogram.ts).
    httpDuration: new TalliedHistogram({
      name: 'latchkey_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    tokenValidations: validationTally.attach(
      new Counter({
        name: 'latchkey_token_validations_total',
        help: 'Token validations by outcome',
        labelNames: ['outcome'] as const,
        registers: [registry],
        collect: () => validationTally.flush(),
      }),
    ),
    validationTally,
    cacheLookups: cacheTally.attach(
      new Counter({
        name: 'latchkey_validation_cache_lookups_total',
        help: "Validation cache lookups by cache (token; access: a user's role on an account; caller: introspection credentials) and result (hit, unknown_hit, miss, bypass: not listening for changes)",
        labelNames: ['cache', 'result'] as const,
        registers: [registry],
        collect: () => cacheTally.flush(),
      }),
    ),
    cacheTally,
    invalidationListening: new Gauge({
      name: 'latchkey_invalidation_listening',
      help: '1 while this instance (every worker of it) listens for token changes and trusts its validation caches, else 0',
      registers: [registry],
      aggregator: 'min',
    }),
    tokenEventStreams: new Gauge({
      name: 'latchkey_token_event_streams',
      help: 'Clients connected to the revocation event stream (GET /token-events)',
      registers: [registry],
    }),
    buildInfo: new Gauge({
      name: 'latchkey_build_info',
      help: 'Always 1; the labels say which Latchkey version runs on which Node',
      labelNames: ['version', 'node'] as const,
      registers: [registry],
      aggregator: 'first',
    }),
    logins: new Counter({
      name: 'latchkey_logins_total',
      help: 'Sign-in attempts by result (success, failure, lockout)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    housekeepingDeleted: new Counter({
      name: 'latchkey_housekeeping_deleted_total',
      help: 'Rows deleted by housekeeping, by kind (sessions, authorization_codes, tokens, login_throttle, signups, user_links, sign_in_challenges, device_authorizations, token_events)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
  }
  metrics.buildInfo.set({ version: VERSION, node: process.version }, 1)
  return metrics
}

export type Metrics = ReturnType<typeof createMetrics>

/**
 * Pool gauges, read from the pg pool at scrape time. PostgreSQL only: PGlite is
 * one in-process connection with no pool, so these series are absent there.
 */
export function registerPoolMetrics(registry: Registry, database: DatabaseHandle): void {
  const pool = database.pool
  if (!pool) return
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read())
      },
    })
  gauge('latchkey_db_pool_connections_in_use', 'Pool connections checked out by a query', () =>
    Math.max(0, pool.totalCount - pool.idleCount),
  )
  gauge('latchkey_db_pool_connections_idle', 'Open pool connections waiting for work', () => pool.idleCount)
  gauge(
    'latchkey_db_pool_waiting_requests',
    'Queries waiting for a free pool connection',
    () => pool.waitingCount,
  )
  gauge(
    'latchkey_db_pool_max_connections',
    'Configured pool size (DATABASE_POOL_SIZE, summed over workers)',
    () => {
      return (pool.options as { max?: number }).max ?? 10
    },
  )
}
