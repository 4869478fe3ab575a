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
