import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config.js'
import { connectDatabase } from '../../src/db/connect.js'
import { migrateDatabase } from '../../src/db/migrate.js'
import { createEmptyPostgresDatabase, DATABASE_KIND } from '../helper.js'

const SECRET = 'x'.repeat(40)
const URL_ = 'postgres://latchkey@pgbouncer:6432/latchkey'
const DIRECT = 'postgres://latchkey@postgres:5432/latchkey'

t.test('DATABASE_LISTEN_URL and DATABASE_PREPARED_STATEMENTS are read and checked', async (t) => {
  const defaults = loadConfig({ SESSION_SECRET: SECRET, DATABASE_URL: URL_ })
  t.equal(defaults.databaseListenUrl, undefined, 'LISTEN and migrations use DATABASE_URL by default')
  t.equal(defaults.databasePreparedStatements, true)
  const set = loadConfig({
    SESSION_SECRET: SECRET,
    DATABASE_URL: URL_,
    DATABASE_LISTEN_URL: DIRECT,
    DATABASE_PREPARED_STATEMENTS: 'false',
  })
  t.equal(set.databaseListenUrl, DIRECT)
  t.equal(set.databasePreparedStatements, false)
  const cases: [Record<string, string>, string][] = [
    [{ DATABASE_LISTEN_URL: DIRECT }, 'DATABASE_LISTEN_URL needs DATABASE_URL'],
    [
      { DATABASE_URL: URL_, DATABASE_LISTEN_URL: 'mysql://x/y' },
      'DATABASE_LISTEN_URL must start with postgres://',
    ],
    [{ DATABASE_URL: URL_, DATABASE_LISTEN_URL: 'not a url' }, 'DATABASE_LISTEN_URL must be a URL such as'],
    [{ DATABASE_PREPARED_STATEMENTS: 'no' }, 'DATABASE_PREPARED_STATEMENTS must be true or false; got "no"'],
  ]
  for (const [env, message] of cases) {
    const error = (() => {
      try {
        loadConfig({ SESSION_SECRET: SECRET, ...env })
      } catch (thrown) {
        return thrown
      }
    })()
    t.ok(error instanceof ConfigError, `${Object.keys(env).join(', ')}: refused`)
    t.ok(((error as Error | undefined)?.message ?? '').startsWith(message), message)
  }
})

if (DATABASE_KIND === 'postgres') {
  t.test('the LISTEN connection and the migrations take the session address', async (t) => {
    const direct = await createEmptyPostgresDatabase(t)
    // A pool address where nothing answers: only the session address can migrate.
    const database = await connectDatabase({
      databaseUrl: 'postgres://latchkey@127.0.0.1:1/none',
      listenUrl: direct,
      pgliteDataDir: '',
      namedStatements: false,
    })
    t.teardown(() => database.close())
    t.same(database.sessionConfig, { connectionString: direct }, 'the listener connects there')
    t.equal(database.namedStatements, false)
    const { applied } = await migrateDatabase(database)
    t.ok(applied.length > 0, `migrated over DATABASE_LISTEN_URL (${applied.length} migrations)`)
    t.same((await migrateDatabase(database)).applied, [], 'and the lock was released: nothing left to do')
  })
}
