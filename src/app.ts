import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import Fastify, { type FastifyInstance, LogController, type RouteOptions } from 'fastify'
import type { Kysely } from 'kysely'
import { accountSecurityRoutes } from './account-security/routes.js'
import { meRoutes } from './accounts/me-routes.js'
import { accountSwitchRoutes } from './accounts/routes.js'
import { apiTokenApiRoutes } from './api-tokens/api-routes.js'
import { apiTokenPageRoutes } from './api-tokens/page-routes.js'
import { applicationApiRoutes } from './applications/api-routes.js'
import { applicationPageRoutes } from './applications/page-routes.js'
import { auditApiRoutes } from './audit/api-routes.js'
import { auditPageRoutes } from './audit/routes.js'
import { authRoutes } from './auth/routes.js'
import { authorizationApiRoutes } from './authorizations/api-routes.js'
import { authorizationPageRoutes } from './authorizations/page-routes.js'
import type { Config } from './config.js'
import { oauthAuthorizeRoutes } from './consent/oauth-authorize-routes.js'
import { authorizeRoutes } from './consent/routes.js'
import { connectDatabase, type DatabaseHandle } from './db/connect.js'
import type { Database } from './db/schema.js'
import { devicePageRoutes } from './device/page-routes.js'
import { openapi } from './docs/openapi.js'
import { docsPageRoutes, openapiRoutes } from './docs/routes.js'
import { healthRoutes } from './health/routes.js'
import { Housekeeper } from './housekeeping/housekeeper.js'
import { apiScope } from './http/api-scope.js'
import { cors } from './http/cors.js'
import { errorHandling } from './http/error-handler.js'
import { loadShedding } from './http/load-shedding.js'
import { pageScope } from './http/page-scope.js'
import { named } from './http/plugin-name.js'
import { sharedSchemaCompilers } from './http/schema-compilers.js'
import { securityHeaders } from './http/security-headers.js'
import { serverAnsweringFirst } from './http/server-factory.js'
import { proxyTrust } from './http/trust-proxy.js'
import { views } from './http/views.js'
import { InvalidationFeed } from './invalidation/feed.js'
import { createInvalidationListener, type ListenerOptions } from './invalidation/listener.js'
import { onLocalInvalidation } from './invalidation/publish.js'
import { invitationRoutes } from './invitations/routes.js'
import { loggerOptions, requestIdGenerator } from './logging.js'
import { Mailer } from './mail/mailer.js'
import { memberRoutes } from './members/routes.js'
import { httpMetrics } from './metrics/http-metrics.js'
import { createMetrics, type Metrics, registerPoolMetrics } from './metrics/metrics.js'
import { metricsRoutes } from './metrics/routes.js'
import { oauthEndpoints } from './oauth/routes.js'
import { signingKeySealer } from './oidc/keys-service.js'
import { oidcRoutes } from './oidc/routes.js'
import { SigningKeys } from './oidc/signing-keys.js'
import { browserLibrary } from './passkeys/browser-library.js'
import { passkeyRoutes } from './passkeys/routes.js'
import { passwordRoutes } from './passwords/routes.js'
import { profileRoutes } from './profile/routes.js'
import { sessionsRoutes } from './profile/sessions-routes.js'
import { usePasswordHashing } from './security/passwords.js'
import { signupRoutes } from './signup/routes.js'
import { subAccountRoutes } from './sub-accounts/routes.js'
import { type TokenEventsOptions, tokenEventRoutes } from './token-events/routes.js'
import { leakReportRoutes } from './tokens/leak-routes.js'
import { securityRoutes } from './two-factor/security-routes.js'
import { twoFactorSignInRoutes } from './two-factor/sign-in-routes.js'
import { AnswerBodies } from './validation/answer.js'
import type { TokenCacheOptions } from './validation/cache.js'
import { HotVerify } from './validation/hot-verify.js'
import { introspectionRoutes } from './validation/introspect-routes.js'
import { LastUsedRecorder } from './validation/last-used.js'
import { TokenValidator } from './validation/validator.js'
import { verifyRoutes } from './validation/verify-routes.js'

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
    /** Every route as registered (method and URL pattern), for the OpenAPI and fuzz tests and the docs. */
    routeList: RouteEntry[]
    housekeeping: Housekeeper
    /** Mail after a change has committed: SMTP, or `.eml` files in the outbox (mail/mailer.ts). */
    mailer: Mailer
    /** The OpenID Connect signing keys: the one that signs id tokens, and the JWKS (oidc/signing-keys.ts). */
    signingKeys: SigningKeys
  }
}

export interface RouteEntry {
  method: string
  url: string
  /** Read lazily: scopes set it on the route after the root hook has seen it. */
  readonly errorStyle: string | undefined
}

export interface BuildOptions {
  /** An already connected database (tests, CLI); otherwise one is connected from the config and closed with the app. */
  database?: DatabaseHandle
  /**
   * `false`, or pino options merged over the defaults (`{ stream }` captures the
   * log with redaction still on); defaults to JSON lines on stdout at the configured level.
   */
  logger?: boolean | Record<string, unknown>
  /** Sees every route as it is registered (tests compare them with the OpenAPI document). */
  onRoute?: (route: RouteOptions) => void
  /** Tuning of the LISTEN connection (reconnection delays, heartbeat) and of the validation cache. */
  listener?: ListenerOptions
  tokenCache?: TokenCacheOptions
  /** This process's number when it is one of WORKERS (cluster/): in logs, the `X-Latchkey-Worker` header, and `/metrics` from all workers. */
  workerId?: number
  /** The event-loop sample of load shedding, shorter in tests (http/load-shedding.ts). */
  pressureSampleIntervalMs?: number
  /** The revocation event stream's heartbeat, shorter in tests (token-events/routes.ts). */
  tokenEvents?: TokenEventsOptions
  /** `false` only to read the routes without a database (`latchkey openapi`): the signing keys are not loaded or made. */
  startSigningKeys?: boolean
}

/** Builds the whole application; never listens. Used by the server, the CLI and every test. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  usePasswordHashing(config.passwordHashing)
  const ownsDatabase = !options.database
  const database =
    options.database ??
    (await connectDatabase({
      databaseUrl: config.databaseUrl,
      listenUrl: config.databaseListenUrl,
      namedStatements: config.databasePreparedStatements,
      pgliteDataDir: `${config.dataDir}/pgdata`,
      poolSize: config.databasePoolSize,
      holder: 'a running server',
    }))

  const trust = proxyTrust(config.trustProxy)
  const requestId = requestIdGenerator(trust)
  const hotVerify = new HotVerify()
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : {
            ...loggerOptions(config.logLevel, options.workerId),
            ...(options.logger === true ? {} : options.logger),
          },
    trustProxy: config.trustProxy === false ? false : trust,
    bodyLimit: 256 * 1024,
    // Hot /verify cache hits are answered before Fastify (validation/hot-verify.ts).
    serverFactory: serverAnsweringFirst(config, (request, response) => hotVerify.answer(request, response)),
    routerOptions: { maxParamLength: 200 },
    requestIdHeader: false,
    genReqId: requestId,
    return503OnClosing: true,
    schemaController: sharedSchemaCompilers,
    // Routes with `config: { requestLogging: false }` (token validation, which runs
    // for every API call behind a gateway) get no per-request log lines; metrics count them.
    logController: new LogController({
      disableRequestLogging: (request) => request.routeOptions.config?.requestLogging === false,
    }),
  })
  if (options.onRoute) app.addHook('onRoute', options.onRoute)
  const workerHeader = options.workerId === undefined ? undefined : String(options.workerId)
  // Callback style, not async: an async hook costs a promise and a microtask on every request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id)
    // Which worker answered: for operators following a request, and for the workers suite.
    if (workerHeader) reply.header('X-Latchkey-Worker', workerHeader)
    done()
  })

  const routeList: RouteEntry[] = []
  app.decorate('routeList', routeList)
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue
      routeList.push({
        method,
        url: route.url,
        get errorStyle() {
          return route.config?.errorStyle
        },
      })
    }
  })
  app.decorate('config', config)
  app.decorate('database', database)
  app.decorate('db', database.db)
  const lastUsed = new LastUsedRecorder(database.db, config.now, 5_000, (error) =>
    app.log.warn({ err: error }, 'could not record token use'),
  )
  app.decorate('lastUsed', lastUsed)
  const metrics = createMetrics()
  registerPoolMetrics(metrics.registry, database)
  app.decorate('metrics', metrics)
  const invalidations = new InvalidationFeed((trusted) => metrics.invalidationListening.set(trusted ? 1 : 0))
  app.decorate('invalidations', invalidations)
  app.decorate(
    'tokens',
    new TokenValidator(database, config.now, lastUsed, metrics, invalidations, options.tokenCache),
  )
  const stopLocalInvalidations = onLocalInvalidation(database.db, (change) => invalidations.receive(change))
  const listener = createInvalidationListener(database, invalidations, app.log, options.listener)
  const housekeeping = new Housekeeper(database.db, config, metrics, app.log)
  app.decorate('housekeeping', housekeeping)
  const mailer = Mailer.fromConfig(config, app.log)
  app.decorate('mailer', mailer)
  const signingKeys = new SigningKeys(
    database.db,
    signingKeySealer(config.sessionSecrets),
    config.now,
    (message, error) => app.log.warn(error ? { err: error } : {}, message),
  )
  app.decorate('signingKeys', signingKeys)
  app.addHook('onReady', async () => {
    if (options.startSigningKeys !== false) await signingKeys.start()
    lastUsed.start()
    housekeeping.start()
    await listener.start()
  })
  app.addHook('onClose', async () => {
    await housekeeping.stop()
    await mailer.close()
    stopLocalInvalidations()
    await listener.stop()
    await lastUsed
      .stop()
      .catch((error: unknown) => app.log.warn({ err: error }, 'could not record token use'))
    if (ownsDatabase) await database.close()
  })

  await app.register(errorHandling)
  // The first secret signs; every listed one still unsigns (CONTRACT 12: rotation).
  await app.register(cookie, { secret: [...config.sessionSecrets] })
  // After the cookies are read: a shed page request is answered with the error page, which needs them.
  await app.register(loadShedding, {
    maxEventLoopDelayMs: config.maxEventLoopDelayMs,
    sampleIntervalMs: options.pressureSampleIntervalMs,
  })
  await app.register(formbody, { bodyLimit: 64 * 1024 })
  await app.register(securityHeaders)
  await app.register(views, { cache: config.production })
  await app.register(named(browserLibrary), { cache: config.production })
  await app.register(httpMetrics)
  await app.register(openapi) // before every route: it collects them as they are registered

  await app.register(named(healthRoutes))
  // With METRICS_PORT, /metrics is served there only (server.ts, metrics/metrics-server.ts).
  if (config.metricsPort === undefined)
    await app.register(named(metricsRoutes), { fromPrimary: options.workerId !== undefined })
  await app.register(named(openapiRoutes))
  await app.register(
    pageScope([
      authRoutes,
      signupRoutes,
      accountSwitchRoutes,
      applicationPageRoutes,
      apiTokenPageRoutes,
      authorizationPageRoutes,
      memberRoutes,
      invitationRoutes,
      subAccountRoutes,
      accountSecurityRoutes,
      auditPageRoutes,
      sessionsRoutes,
      authorizeRoutes,
      oauthAuthorizeRoutes,
      docsPageRoutes,
      passwordRoutes,
      profileRoutes,
      passkeyRoutes,
      securityRoutes,
      twoFactorSignInRoutes,
      devicePageRoutes,
    ]),
  )
  await app.register(
    apiScope([meRoutes, applicationApiRoutes, apiTokenApiRoutes, authorizationApiRoutes, auditApiRoutes]),
  )
  // The machine endpoints browser apps may call (CONTRACT 10), in a scope of their
  // own with CORS registered before them: @fastify/cors runs a hook and builds its
  // options on every request of its scope, which cost hot /verify 7 % of its CPU
  // while it sat at the root (bench/RESULTS.md).
  await app.register(
    named(async function machineEndpoints(endpoints: FastifyInstance) {
      await endpoints.register(cors)
      await endpoints.register(named(oauthEndpoints))
      await endpoints.register(named(oidcRoutes))
    }),
  )
  // Token validation for other services: outside the page and API scopes, so
  // no session, CSRF or view work runs on this hot path.
  // One text per cached record for /verify, its hot path and introspection (validation/answer.ts).
  const answers = new AnswerBodies(config.publicUrl)
  await app.register(named(verifyRoutes), { answers })
  app.addHook('onReady', async () => {
    const shedding = app.hasDecorator('isUnderPressure') ? () => app.isUnderPressure() : () => false
    hotVerify.start({ tokens: app.tokens, answers, metrics, requestId, workerId: workerHeader, shedding })
  })
  app.addHook('preClose', async () => hotVerify.stop())
  await app.register(named(introspectionRoutes), { answers })
  // Leaked-token reports from secret scanners: anonymous JSON, throttled, no session or CSRF (CONTRACT 11).
  await app.register(named(leakReportRoutes))
  await app.register(named(tokenEventRoutes), options.tokenEvents ?? {})

  return app
}
