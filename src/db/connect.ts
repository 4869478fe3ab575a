import type { PGlite } from '@electric-sql/pglite'
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely'
import pg from 'pg'
import { lockDataDir } from './data-dir-lock.js'
import type { Database } from './schema.js'

export type DatabaseKind = 'postgres' | 'pglite'

export interface DatabaseHandle {
  readonly db: Kysely<Database>
  readonly kind: DatabaseKind
  /** The pg pool (PostgreSQL only): pool gauges and LISTEN connections come from here. */
  readonly pool: pg.Pool | undefined
  /** The embedded instance (PGlite only). */
  readonly pglite: PGlite | undefined
  /**
   * Where work that needs a PostgreSQL session of its own connects (PostgreSQL only):
   * the LISTEN connection and the migrations, which hold a session advisory lock.
   * The pool's own address unless DATABASE_LISTEN_URL names another (db/session.ts).
   */
  readonly sessionConfig: pg.ClientConfig | undefined
  /** Whether the token lookups may run as named prepared statements on the pool (DATABASE_PREPARED_STATEMENTS). */
  readonly namedStatements: boolean
  close(): Promise<void>
}

export interface ConnectOptions {
  /** PostgreSQL connection string; when absent the embedded database is used. */
  databaseUrl: string | undefined
  /** A connection string that gives a session of its own (DATABASE_LISTEN_URL); defaults to `databaseUrl`. */
  listenUrl?: string | undefined
  /** `false` behind a PgBouncer in transaction mode that cannot keep named statements (before 1.21). */
  namedStatements?: boolean
  /** Where PGlite keeps its files; `memory://` keeps nothing (tests). */
  pgliteDataDir: string
  /** A data directory dumped by PGlite's `dumpDataDir()` to start from (tests: a migrated snapshot). */
  pgliteSnapshot?: Blob
  poolSize?: number
  /** Who opens the embedded database, named to another process that finds it locked ("a running server"). */
  holder?: string
}

/**
 * One code path for both databases: Kysely over `pg`, or over embedded PGlite.
 * PGlite (WebAssembly, several MB) is imported only when no DATABASE_URL is set.
 */
export async function connectDatabase(options: ConnectOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      application_name: 'latchkey',
    })
    // An idle client that loses its server emits 'error' on the pool; without a
    // listener that would crash the process. The next query reconnects.
    pool.on('error', () => {})
    // A checked-out client whose server goes away (restart, failover) emits
    // 'error' too; the query in flight fails with it and the pool drops the
    // client on release, so the event itself needs no further handling.
    pool.on('connect', (client) => client.on('error', () => {}))
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
    return {
      db,
      kind: 'postgres',
      pool,
      pglite: undefined,
      sessionConfig: options.listenUrl ? { connectionString: options.listenUrl } : pool.options,
      namedStatements: options.namedStatements ?? true,
      close: () => db.destroy(),
    }
  }
  const { PGlite } = await import('@electric-sql/pglite')
  // One process at a time on a data directory (db/data-dir-lock.ts); in-memory ones are private anyway.
  const onDisk = !/^(memory|idb):\/\//.test(options.pgliteDataDir)
  const unlock = onDisk
    ? await lockDataDir(options.pgliteDataDir, options.holder ?? 'another latchkey process')
    : () => {}
  let pglite: PGlite
  try {
    pglite = new PGlite({
      dataDir: options.pgliteDataDir,
      ...(options.pgliteSnapshot ? { loadDataDir: options.pgliteSnapshot } : {}),
    })
    await pglite.waitReady
  } catch (error) {
    unlock()
    throw error
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) })
  return {
    db,
    kind: 'pglite',
    pool: undefined,
    pglite,
    sessionConfig: undefined,
    namedStatements: false,
    close: async () => {
      try {
        await db.destroy()
        if (!pglite.closed) await pglite.close()
      } finally {
        unlock()
      }
    },
  }
}
