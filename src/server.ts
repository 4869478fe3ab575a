import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import type { Config } from './config.js'
import { connectDatabase } from './db/connect.js'
import { migrateToLatest } from './db/migrate.js'

const SHUTDOWN_GRACE_MS = 10_000

/** Migrates, builds and listens; on SIGTERM/SIGINT stops accepting, drains, closes the pool, exits 0. */
export async function startServer(config: Config): Promise<FastifyInstance> {
  const database = connectDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDataDir: `${config.dataDir}/pgdata`,
  })
  await migrateToLatest(database.db)
  const app = await buildApp(config, { database })
  app.addHook('onClose', () => database.close())
  await app.listen({ port: config.port, host: config.host })

  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down')
    const force = setTimeout(() => {
      app.log.error('in-flight requests did not finish in time; exiting')
      process.exit(1)
    }, SHUTDOWN_GRACE_MS)
    force.unref()
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
  return app
}
