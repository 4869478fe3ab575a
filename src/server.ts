import { setFlagsFromString } from 'node:v8'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import { DRAIN, type DrainMessage, isMessage } from './cluster/messages.js'
import { contributeMetrics } from './cluster/metrics.js'
import type { Config } from './config.js'
import { migrateDatabase } from './db/migrate.js'
import { buildMetricsServer } from './metrics/metrics-server.js'
import { processMetrics } from './metrics/process-metrics.js'

/**
 * Turns V8's allocation-site pretenuring off in a serving process, before the app
 * is built. V8 watches how many objects from each allocation site survive the
 * young generation, and when a site's survive, it allocates that site's objects in
 * the old generation from then on. A server's requests survive while they wait:
 * the first seconds after a start fill the token cache from the database, and any
 * slow query does the same later. V8 then pretenured Node's own `IncomingMessage`,
 * `ReadableState` and `OutgoingMessage` sites, so every later request, even one
 * answered in microseconds, was born old: write barriers, about 0.3 MB of garbage
 * promoted per scavenge, marking, and an old space (and RSS) that grew under a
 * steady hot load. Measured in ten interleaved rounds (bench/ANALYSIS.md, sixth
 * round): hot `/verify` from 0.80 to 0.85 of bare Fastify's requests a second
 * (median), p99 from 12.3 to 6.4 ms, nothing promoted, and RSS at most 152 MB
 * instead of 174 MB. Latchkey allocates nothing in bulk that would gain from the
 * optimisation (its caches fill an entry at a time).
 *
 * `setFlagsFromString` after start-up is allowed for flags V8 reads as it runs, as
 * this one is (each scavenge's pretenuring decision reads it); a worker process
 * runs this too, since every worker starts its server here.
 */
function keepRequestsYoung(): void {
  setFlagsFromString('--no-allocation-site-pretenuring')
}

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
  keepRequestsYoung()
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
