import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import type { Kysely } from 'kysely'
import { accountSwitchRoutes } from './accounts/routes.js'
import { meRoutes } from './api/me-routes.js'
import { authRoutes } from './auth/routes.js'
import type { Config } from './config.js'
import { connectDatabase, type DatabaseHandle } from './db/connect.js'
import type { Database } from './db/schema.js'
import { healthRoutes } from './health/routes.js'
import { introspectionRoutes } from './introspection/routes.js'
import { loggerOptions } from './logging.js'
import { createMetrics, type Metrics } from './metrics/metrics.js'
import { apiScope } from './plugins/api-auth.js'
import { errorHandling } from './plugins/errors.js'
import { pageScope } from './plugins/pages.js'
import { securityHeaders } from './plugins/security-headers.js'
import { views } from './plugins/views.js'
import type { TokenCacheOptions } from './tokens/cache.js'
import { onLocalInvalidation } from './tokens/invalidation.js'
import { InvalidationFeed } from './tokens/invalidation-feed.js'
import { createInvalidationListener, type ListenerOptions } from './tokens/invalidation-listener.js'
import { LastUsedRecorder } from './tokens/last-used.js'
import { TokenValidator } from './tokens/validator.js'
import { verifyRoutes } from './verify/routes.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    database: DatabaseHandle
    db: Kysely<Database>
    tokens: TokenValidator
    /** Changes that narrow or kill tokens, and whether this instance's validation caches may be trusted. */
    invalidations: InvalidationFeed
    lastUsed: LastUsedRecorder
    metrics: Metrics
  }
}

export interface BuildOptions {
  /** An already connected database (tests, CLI); otherwise one is connected from the config and closed with the app. */
  database?: DatabaseHandle
  /** A logger stream or `false`; defaults to JSON lines on stdout at the configured level. */
  logger?: boolean | Record<string, unknown>
  /** Tuning of the LISTEN connection (reconnection delays, heartbeat) and of the validation cache. */
  listener?: ListenerOptions
  tokenCache?: TokenCacheOptions
}

/** Builds the whole application; never listens. Used by the server, the CLI and every test. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const ownsDatabase = !options.database
  const database =
    options.database ??
    connectDatabase({ databaseUrl: config.databaseUrl, pgliteDataDir: `${config.dataDir}/pgdata` })

  const app = Fastify({
    logger:
      options.logger === undefined || options.logger === true
        ? loggerOptions(config.logLevel)
        : options.logger,
    // A hop count is accepted by Fastify (proxy-addr) though its types list only booleans and addresses.
    trustProxy: config.trustProxy as boolean | string,
    bodyLimit: 256 * 1024,
    routerOptions: { maxParamLength: 200 },
    requestIdHeader: false,
    return503OnClosing: true,
    // Routes with `config: { requestLogging: false }` (token validation, which runs
    // for every API call behind a gateway) get no per-request log lines; metrics count them.
    logController: new LogController({
      disableRequestLogging: (request) => request.routeOptions.config?.requestLogging === false,
    }),
  })

  app.decorate('config', config)
  app.decorate('database', database)
  app.decorate('db', database.db)
  const lastUsed = new LastUsedRecorder(database.db, config.now, 5_000, (error) =>
    app.log.warn({ err: error }, 'could not record token use'),
  )
  app.decorate('lastUsed', lastUsed)
  const metrics = createMetrics()
  app.decorate('metrics', metrics)
  const invalidations = new InvalidationFeed((trusted) => metrics.invalidationListening.set(trusted ? 1 : 0))
  app.decorate('invalidations', invalidations)
  app.decorate(
    'tokens',
    new TokenValidator(database, config.now, lastUsed, metrics, invalidations, options.tokenCache),
  )
  const stopLocalInvalidations = onLocalInvalidation(database.db, (change) => invalidations.receive(change))
  const listener = createInvalidationListener(database, invalidations, app.log, options.listener)
  app.addHook('onReady', async () => {
    lastUsed.start()
    await listener.start()
  })
  app.addHook('onClose', async () => {
    stopLocalInvalidations()
    await listener.stop()
    await lastUsed
      .stop()
      .catch((error: unknown) => app.log.warn({ err: error }, 'could not record token use'))
    if (ownsDatabase) await database.close()
  })

  await app.register(errorHandling)
  await app.register(cookie, { secret: config.sessionSecret })
  await app.register(formbody, { bodyLimit: 64 * 1024 })
  await app.register(securityHeaders)
  await app.register(views, { cache: config.production })

  await app.register(healthRoutes)
  await app.register(pageScope([authRoutes, accountSwitchRoutes]))
  await app.register(apiScope([meRoutes]))
  // Token validation for other services: outside the page and API scopes, so
  // no session, CSRF or view work runs on this hot path.
  await app.register(verifyRoutes)
  await app.register(introspectionRoutes)

  return app
}
