import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import type { Config } from './config.js'
import { migrateDatabase } from './db/migrate.js'

/**
 * Builds, migrates and listens. On SIGTERM or SIGINT it stops accepting
 * connections (Fastify's close: the listener closes, idle keep-alive
 * connections are dropped, requests arriving on busy ones get 503 with
 * `Connection: close`), lets in-flight requests finish within
 * SHUTDOWN_TIMEOUT_SECONDS, runs the onClose hooks (housekeeping, last-used
 * flush, LISTEN connection, pool) and exits 0. Past the timeout, or on a second
 * signal, it exits 1 at once.
 */
export async function startServer(config: Config): Promise<FastifyInstance> {
  // The app owns its database, so its own onClose hook closes the pool last, after
  // every feature's hook (Fastify runs onClose hooks in reverse order of registration).
  const app = await buildApp(config)
  try {
    await migrateDatabase(app.database)
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
