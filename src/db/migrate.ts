import { readdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kysely, PostgresDialect, sql } from 'kysely'
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration'
import pg from 'pg'
import type { DatabaseHandle } from './connect.js'
import { splitSqlStatements } from './split-sql.js'

/** `migrations/` at the package root, both from `src/db` (tsx) and `dist/db` (built). */
export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations')

/**
 * Reads zero-padded plain SQL files (`0001_init.sql`, …) from a folder. Statements
 * are sent one at a time because PGlite's query path takes one statement per call.
 */
export class SqlFileMigrationProvider implements MigrationProvider {
  constructor(private readonly folder: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.folder)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort()
    const migrations: Record<string, Migration> = {}
    for (const file of files) {
      const text = await readFile(join(this.folder, file), 'utf8')
      migrations[file.replace(/\.sql$/, '')] = {
        async up(db: Kysely<unknown>) {
          for (const statement of splitSqlStatements(text)) await sql.raw(statement).execute(db)
        },
      }
    }
    return migrations
  }
}

export interface MigrationOutcome {
  applied: string[]
}

/**
 * Applies every pending migration. Kysely's Migrator holds a PostgreSQL advisory
 * lock (pg_advisory_lock) for the whole run, so instances that start together
 * wait for each other instead of racing; each migration runs in a transaction.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run below the typed schema
export async function migrateToLatest(db: Kysely<any>, folder = MIGRATIONS_DIR): Promise<MigrationOutcome> {
  const migrator = new Migrator({ db, provider: new SqlFileMigrationProvider(folder) })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')
    const message = error instanceof Error ? error.message : String(error)
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${message}`, { cause: error })
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) }
}

/**
 * Migrates the database of a handle over a session of its own: Kysely's lock is a
 * session advisory lock taken and released outside the migrations' transaction,
 * which a PgBouncer in transaction mode may run on different server connections
 * (the unlock then misses and the lock stays held). With DATABASE_LISTEN_URL set,
 * the migrations go to that address, as the LISTEN connection does.
 */
export async function migrateDatabase(database: DatabaseHandle): Promise<MigrationOutcome> {
  if (!database.pool || database.sessionConfig === database.pool.options) return migrateToLatest(database.db)
  const session = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ ...database.sessionConfig, max: 1 }) }),
  })
  try {
    return await migrateToLatest(session)
  } finally {
    await session.destroy()
  }
}
