import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import type { Config } from './config.js'
import { connectDatabase } from './db/connect.js'
import { migrateToLatest } from './db/migrate.js'

/**
 * Migrates, builds and listens. On SIGTERM or SIGINT it stops accepting
 * connections (Fastify's close: the listener closes, idle keep-alive
 * connections are dropped, requests arriving on busy ones get 503 with
 * `Connection: close`), lets in-flight requests finish within
 * SHUTDOWN_TIMEOUT_SECONDS, runs the onClose hooks (housekeeping, last-used
 * flush, LISTEN connection, pool) and exits 0. Past the timeout, or on a second
 * signal, it exits 1 at once.
 */
export async function startServer(config: Config): Promise<FastifyInstance> {
  const database = connectDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDataDir: `${config.dataDir}/pgdata`,
    poolSize: config.databasePoolSize,
  })
  let app: FastifyInstance
  try {
    await migrateToLatest(database.db)
    app = await buildApp(config, { database })
  } catch (error) {
    await database.close().catch(() => undefined)
    throw error
  }
  app.addHook('onClose', () => database.close())
  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (error) {
    await app.close().catch(() => undefined) // releases the pool so the process can exit
    throw error
  }

  let closing = false
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) {
      app.log.warn({ signal }, 'second signal while shutting down; exiting now')
      process.exit(1)
    }
    closing = true
    app.log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down')
    const force = setTimeout(() => {
      app.log.error('in-flight requests did not finish in time; exiting')
      app.server.closeAllConnections()
      process.exit(1)
    }, config.shutdownTimeoutMs)
    force.unref()
    app.close().then(
      () => {
        app.log.info('shut down cleanly')
        process.exit(0)
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  return app
}
