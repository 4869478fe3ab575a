import { readdirSync } from 'node:fs'
import { sql } from 'kysely'
import t from 'tap'
import { connectDatabase } from '../../src/db/connect.js'
import { MIGRATIONS_DIR, migrateToLatest } from '../../src/db/migrate.js'
import { splitSqlStatements } from '../../src/db/split-sql.js'
import { createEmptyPostgresDatabase, DATABASE_KIND, type Teardown } from '../helper.js'

async function emptyDatabase(t: Teardown) {
  const url = DATABASE_KIND === 'postgres' ? await createEmptyPostgresDatabase(t) : undefined
  return { url, handle: await connectDatabase({ databaseUrl: url, pgliteDataDir: 'memory://' }) }
}

t.test(`migrations apply from empty and re-run as a no-op (${DATABASE_KIND})`, async (t) => {
  const { handle } = await emptyDatabase(t)
  t.teardown(() => handle.close())
  const first = await migrateToLatest(handle.db)
  t.ok(first.applied.includes('0001_init'), 'the initial migration was applied')
  const second = await migrateToLatest(handle.db)
  t.same(second.applied, [], 'nothing to apply the second time')
  const { rows } = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`.execute(
    handle.db,
  )
  const tables = rows.map((r) => r.table_name)
  for (const table of [
    'accounts',
    'users',
    'memberships',
    'sessions',
    'login_throttle',
    'applications',
    'tokens',
    'audit_events',
  ]) {
    t.ok(tables.includes(table), `${table} exists`)
  }
  const account = await handle.db
    .insertInto('accounts')
    .values({ name: 'A' })
    .returning('id')
    .executeTakeFirstOrThrow()
  t.equal(account.id, 200001, 'account ids start at 200001')
  const user = await handle.db
    .insertInto('users')
    .values({ email: 'x@example.com', name: 'X', password_hash: 'h' })
    .returning('id')
    .executeTakeFirstOrThrow()
  const app = await handle.db
    .insertInto('applications')
    .values({
      account_id: account.id,
      name: 'App',
      permission: 'browse',
      client_secret_hash: 'h',
      created_by: user.id,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  t.equal(app.id, 100001, 'application ids start at 100001')
  await t.rejects(
    handle.db.insertInto('users').values({ email: 'X@EXAMPLE.com', name: 'Y', password_hash: 'h' }).execute(),
    'emails are unique regardless of case',
  )
})

// On PostgreSQL two separate pools race for the advisory lock; PGlite has one
// connection, so two migrators share it and Kysely serialises them.
t.test(`two migrators started at once on one database (${DATABASE_KIND})`, async (t) => {
  const { url, handle } = await emptyDatabase(t)
  const other = url ? await connectDatabase({ databaseUrl: url, pgliteDataDir: '' }) : handle
  t.teardown(async () => {
    await handle.close()
    if (other !== handle) await other.close()
  })
  const results = await Promise.all([migrateToLatest(handle.db), migrateToLatest(other.db)])
  const applied = results.flatMap((r) => r.applied)
  const every = readdirSync(MIGRATIONS_DIR)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => file.replace(/\.sql$/, ''))
    .sort()
  t.same(
    applied.sort(),
    every,
    'each migration applied exactly once: one migrator applied them, the other waited and found nothing to do',
  )
})

t.test('the SQL splitter keeps quoted and dollar-quoted semicolons', async (t) => {
  const statements = splitSqlStatements(`
    -- a comment; with a semicolon
    CREATE TABLE a (v text DEFAULT 'x;y');
    /* block; comment */
    CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
    SELECT "odd;name" FROM a`)
  t.same(statements, [
    "CREATE TABLE a (v text DEFAULT 'x;y')",
    'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql',
    'SELECT "odd;name" FROM a',
  ])
})
