import { availableParallelism } from 'node:os'
import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config.js'

const SECRET = 'x'.repeat(40)

t.test('operations settings have sensible defaults', async (t) => {
  const config = loadConfig({ SESSION_SECRET: SECRET })
  t.equal(config.databasePoolSize, 10)
  t.equal(config.metricsToken, undefined)
  t.same(config.metricsAllow, ['127.0.0.0/8', '::1/128'], 'metrics for loopback only')
  t.equal(config.housekeepingIntervalMs, 300_000)
  t.equal(config.tokenRetentionDays, 30)
  t.equal(config.shutdownTimeoutMs, 8_000, 'below docker stop’s 10 s')
})

t.test('operations settings are read and validated', async (t) => {
  const config = loadConfig({
    SESSION_SECRET: SECRET,
    DATABASE_POOL_SIZE: '25',
    METRICS_TOKEN: 'a-scrape-token-of-32-characters!',
    HOUSEKEEPING_INTERVAL_SECONDS: '0',
    TOKEN_RETENTION_DAYS: '90',
    SHUTDOWN_TIMEOUT_SECONDS: '25',
  })
  t.equal(config.databasePoolSize, 25)
  t.equal(config.metricsToken, 'a-scrape-token-of-32-characters!')
  t.equal(config.housekeepingIntervalMs, 0, '0 turns housekeeping off')
  t.equal(config.tokenRetentionDays, 90)
  t.equal(config.shutdownTimeoutMs, 25_000)
  const cases: [Record<string, string>, RegExp][] = [
    [{ DATABASE_POOL_SIZE: '0' }, /^DATABASE_POOL_SIZE must be a whole number from 1 to 1000/],
    [{ HOUSEKEEPING_INTERVAL_SECONDS: '-1' }, /^HOUSEKEEPING_INTERVAL_SECONDS must be a whole number/],
    [{ TOKEN_RETENTION_DAYS: 'a month' }, /^TOKEN_RETENTION_DAYS must be a whole number/],
    [{ SHUTDOWN_TIMEOUT_SECONDS: '0' }, /^SHUTDOWN_TIMEOUT_SECONDS must be a whole number from 1/],
    [
      { METRICS_TOKEN: 'has a space in it, sixteen+' },
      /^METRICS_TOKEN must be at least 16 bytes without spaces/,
    ],
    [{ METRICS_ALLOW: '300.1.1.1' }, /^METRICS_ALLOW must be loopback, none, any, or a comma-separated list/],
  ]
  for (const [env, message] of cases) {
    t.throws(() => loadConfig({ SESSION_SECRET: SECRET, ...env }), ConfigError, JSON.stringify(env))
    t.throws(() => loadConfig({ SESSION_SECRET: SECRET, ...env }), { message }, JSON.stringify(env))
  }
})

t.test('WORKERS, METRICS_PORT and MAX_EVENT_LOOP_DELAY_MS (CONTRACT 12)', async (t) => {
  const defaults = loadConfig({ SESSION_SECRET: SECRET })
  t.equal(defaults.workers, 1, 'one process unless asked')
  t.equal(defaults.metricsPort, undefined, '/metrics on PORT unless METRICS_PORT is set')
  t.equal(defaults.maxEventLoopDelayMs, 1000)
  const postgres = { SESSION_SECRET: SECRET, DATABASE_URL: 'postgres://db/latchkey' }
  t.equal(loadConfig({ ...postgres, WORKERS: '3' }).workers, 3)
  t.equal(loadConfig({ ...postgres, WORKERS: 'auto' }).workers, availableParallelism(), 'auto: one per CPU')
  t.equal(loadConfig({ ...postgres, METRICS_PORT: '9100' }).metricsPort, 9100)
  t.equal(loadConfig({ ...postgres, MAX_EVENT_LOOP_DELAY_MS: '0' }).maxEventLoopDelayMs, 0, '0: never shed')
  const cases: [Record<string, string>, RegExp][] = [
    [{ WORKERS: 'lots' }, /^WORKERS must be "auto" or a whole number from 1 to 256; got "lots"$/],
    [{ WORKERS: '0' }, /^WORKERS must be "auto" or a whole number from 1 to 256/],
    [{ WORKERS: '2.5' }, /^WORKERS must be "auto" or a whole number/],
    [{ WORKERS: '300' }, /^WORKERS must be a whole number from 1 to 256/],
    [{ METRICS_PORT: '0' }, /^METRICS_PORT must be a whole number from 1 to 65535/],
    [{ METRICS_PORT: 'http' }, /^METRICS_PORT must be a whole number/],
    [{ PORT: '9100', METRICS_PORT: '9100' }, /^METRICS_PORT must differ from PORT \(9100\)/],
    [{ MAX_EVENT_LOOP_DELAY_MS: '-5' }, /^MAX_EVENT_LOOP_DELAY_MS must be a whole number from 0/],
  ]
  for (const [env, message] of cases) {
    t.throws(() => loadConfig({ ...postgres, ...env }), { name: 'ConfigError', message }, JSON.stringify(env))
  }
  t.throws(
    () => loadConfig({ SESSION_SECRET: SECRET, WORKERS: '2' }),
    { message: /^WORKERS=2 needs DATABASE_URL: the embedded database/ },
    'the embedded database is one process’s',
  )
})
