import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

const SECRET = 'x'.repeat(40)

t.test('defaults', async (t) => {
  const config = loadConfig({ SESSION_SECRET: SECRET })
  t.equal(config.port, 3000)
  t.equal(config.publicUrl, 'http://localhost:3000')
  t.equal(config.databaseUrl, undefined, 'embedded database by default')
  t.match(config.dataDir, /\.latchkey$/)
  t.equal(config.logLevel, 'info')
  t.equal(config.trustProxy, false)
  t.ok(Object.isFrozen(config))
})

t.test('bad values stop start-up with one clear line naming the variable', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'eighty' }, /^PORT must be a whole number/],
    [{ PORT: '70000' }, /^PORT must be a whole number from 0 to 65535/],
    [{ PUBLIC_URL: 'auth.example.com' }, /^PUBLIC_URL must be/],
    [{ PUBLIC_URL: 'ftp://auth.example.com' }, /^PUBLIC_URL must be/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must start with postgres/],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL must be a URL/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [
      { SESSION_SECRET: 'short' },
      /^SESSION_SECRET must be at least 32 bytes; generate one with: openssl rand/,
    ],
    [{ NODE_ENV: 'production', SESSION_SECRET: '' }, /^SESSION_SECRET is required when NODE_ENV=production/],
  ]
  for (const [env, message] of cases) {
    t.throws(() => loadConfig({ SESSION_SECRET: SECRET, ...env }), ConfigError)
    try {
      loadConfig({ SESSION_SECRET: SECRET, ...env })
    } catch (error) {
      t.match((error as Error).message, message, JSON.stringify(env))
      t.notMatch((error as Error).message, /\n/, 'one line')
    }
  }
})

t.test('values are parsed', async (t) => {
  const config = loadConfig({
    SESSION_SECRET: SECRET,
    PORT: '8080',
    HOST: '0.0.0.0',
    PUBLIC_URL: 'https://auth.example.com/',
    DATABASE_URL: 'postgres://u:p@db:5432/latchkey',
    TRUST_PROXY: '1',
    LOG_LEVEL: 'warn',
  })
  t.equal(config.port, 8080)
  t.equal(config.host, '0.0.0.0')
  t.equal(config.publicUrl, 'https://auth.example.com', 'trailing slash dropped')
  t.equal(config.databaseUrl, 'postgres://u:p@db:5432/latchkey')
  t.equal(config.trustProxy, 1)
  t.equal(config.logLevel, 'warn')
})

t.test(
  'in development a missing SESSION_SECRET is generated once and kept in the data directory',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-config-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const first = loadConfig({ DATA_DIR: dir })
    const second = loadConfig({ DATA_DIR: dir })
    t.ok(first.sessionSecret.length >= 32)
    t.equal(second.sessionSecret, first.sessionSecret, 'the same secret on the next start')
    t.equal(readFileSync(join(dir, 'session-secret'), 'utf8').trim(), first.sessionSecret)
  },
)
