import Fastify, { type FastifyInstance, LogController } from 'fastify'
import { errorHandling } from '../http/error-handler.js'
import { named } from '../http/plugin-name.js'
import { serverTimeouts } from '../http/server-timeouts.js'
import { proxyTrust } from '../http/trust-proxy.js'
import { requestIdGenerator } from '../logging.js'
import { metricsRoutes } from './routes.js'

/**
 * The server of METRICS_PORT (CONTRACT 12): `GET /metrics` and nothing else, so
 * the port can stay inside the cluster network while PORT faces the internet.
 * It shares the app's config, metrics and logger; METRICS_TOKEN and
 * METRICS_ALLOW apply as on PORT. It never listens by itself (server.ts does).
 */
export async function buildMetricsServer(
  app: FastifyInstance,
  options: { fromPrimary?: boolean } = {},
): Promise<FastifyInstance> {
  const config = app.config
  const trust = proxyTrust(config.trustProxy) // as on PORT (app.ts), so METRICS_ALLOW sees the same client address
  const server = Fastify({
    loggerInstance: app.log.child({ port: 'metrics' }),
    trustProxy: config.trustProxy === false ? false : trust,
    ...serverTimeouts(config),
    requestIdHeader: false,
    genReqId: requestIdGenerator(trust),
    return503OnClosing: true,
    logController: new LogController({ disableRequestLogging: true }),
  })
  server.decorate('config', config)
  server.decorate('metrics', app.metrics)
  await server.register(errorHandling)
  await server.register(named(metricsRoutes), options)
  return server
}
