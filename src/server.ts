import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import { DRAIN, type DrainMessage, isMessage } from './cluster/messages.js'
import { contributeMetrics } from './cluster/metrics.js'
import type { Config } from './config.js'
import { migrateDatabase } from './db/migrate.js'
import { buildMetricsServer } from './metrics/metrics-server.js'
import { processMetrics } from './metrics/process-metrics.js'

export interface ServerOptions {
  /** Set in a worker process (cluster/serve.ts): the primary has migrated, gathers metrics and says when to drain. */
  workerId?: number
}

/**
 * Builds, migrates and listens (and listens on METRICS_PORT when set). On
 * SIGTERM or SIGINT it stops accepting connections (Fastify's close: the
 * listener closes, idle keep-alive connections are dropped, requests arriving on
 * busy ones get 503 with `Connection: close`), lets in-flight requests finish
 * within SHUTDOWN_TIMEOUT_SECONDS, runs the onClose hooks (housekeeping,
 * last-used flush, LISTEN connection, pool) and exits 0. Past the timeout, or on
 * a second signal, it exits 1 at once. A worker drains the same way when its
 * primary says so, or goes away; a second signal is the primary's to act on.
 */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<FastifyInstance> {
  const worker = options.workerId !== undefined
  // The app owns its database, so its own onClose hook closes the pool last, after
  // every feature's hook (Fastify runs onClose hooks in reverse order of registration).
  const app = await buildApp(config, { workerId: options.workerId })
  const metricsServer =
    config.metricsPort === undefined ? undefined : await buildMetricsServer(app, { fromPrimary: worker })
  if (metricsServer) app.addHook('onClose', () => metricsServer.close())
  if (worker) contributeMetrics([app.metrics.registry, processMetrics()])

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
  if (worker) {
    // Installed before listening, so a drain asked for as soon as the primary sees
    // this worker listen is heard. A worker drains once, whoever asks: the primary,
    // a signal of its own (a terminal's Ctrl-C reaches every process of the group),
    // or the primary going away.
    const drain = (signal: NodeJS.Signals) => {
      if (!closing) shutdown(signal)
    }
    process.on('SIGTERM', drain)
    process.on('SIGINT', drain)
    process.on('message', (message: unknown) => {
      if (isMessage<DrainMessage>(message, DRAIN)) drain('SIGTERM')
    })
    process.on('disconnect', () => drain('SIGTERM'))
  }

  try {
    if (!worker) await migrateDatabase(app.database) // with workers, the primary migrated once for all
    await app.listen({ port: config.port, host: config.host })
    await metricsServer?.listen({ port: config.metricsPort, host: config.host })
  } catch (error) {
    await app.close().catch(() => undefined) // releases the pool so the process can exit
    throw error
  }
  if (!worker) {
    process.on('SIGTERM', shutdown)
    process.on('SIGINT', shutdown)
  }
  return app
}
