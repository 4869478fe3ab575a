import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { isAnyRedirectOrigin, isApplicationRedirectOrigin } from '../applications/repo.js'
import { isPortFreeLoopback } from '../applications/urls.js'
import { parseBasicCredentials } from '../security/basic-credentials.js'
import { headerToken } from '../validation/header-token.js'

/**
 * Which browser origins may call a route (CONTRACT 10), set in the route's config
 * (`config: { cors: 'public' }`); a route without one answers no origin.
 * - `public`: any origin, as `*` (metadata, keys): nothing there is personal.
 * - `client`: the origins of the redirect URLs of the application the request
 *   names, by HTTP Basic or `client_id` in the body (token, revocation, device authorization).
 * - `bearer`: the origins of the redirect URLs of the application whose access
 *   token the request carries in a header (userinfo).
 * Never `*` and never credentials (cookies) for the last two. A preflight names no
 * client: it is allowed for the origin of any registered redirect URL.
 */
export type CorsPolicy = 'public' | 'client' | 'bearer'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by the route; `false` is what this module gives every other route (@fastify/cors then does nothing). */
    cors?: CorsPolicy | false
  }
}

/** How long a browser may cache a preflight answer; an origin removed from an application stops working within it. */
export const CORS_MAX_AGE_SECONDS = 600

const CLIENT_HEADERS = 'Authorization, Content-Type, Accept'

/**
 * The origin as `redirect_origins()` (migration 0007) lists it: a bare
 * `scheme://host[:port]`, with the port dropped for an http loopback address,
 * which matches any port (RFC 8252 7.3; `localhost` is matched exactly).
 * Undefined for `null` or anything that is not an origin.
 */
export function corsOriginKey(origin: string): string | undefined {
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return undefined
  }
  if (url.origin !== origin) return undefined
  return isPortFreeLoopback(url) ? `${url.protocol}//${url.hostname}` : url.origin
}

interface PathPolicy {
  policy: CorsPolicy
  methods: Set<string>
}

const NONE: FastifyCorsOptions = { origin: false }

/** The application a `client` request names (HTTP Basic wins, as in oauth/client-auth.ts). */
function namedClient(request: FastifyRequest): number | undefined {
  const body = request.body as { client_id?: unknown } | undefined
  const id = parseBasicCredentials(request.headers.authorization)?.username ?? body?.client_id
  return typeof id === 'string' && /^\d{1,10}$/.test(id) ? Number(id) : undefined
}

/** The application of the access token in the request's header, if it is an active application token. */
async function bearerClient(app: FastifyInstance, request: FastifyRequest): Promise<number | undefined> {
  let token: string
  try {
    token = headerToken(request)
  } catch {
    return undefined
  }
  const result = await app.tokens.validate(token)
  return result.active ? (result.principal.appId ?? undefined) : undefined
}

async function decide(
  app: FastifyInstance,
  paths: Map<string, PathPolicy>,
  request: FastifyRequest,
): Promise<FastifyCorsOptions> {
  const origin = request.headers.origin
  const preflight = request.method === 'OPTIONS'
  const entry = preflight
    ? paths.get(request.url.split('?')[0] ?? '')
    : request.routeOptions.config?.cors
      ? { policy: request.routeOptions.config.cors, methods: undefined }
      : undefined
  if (!entry || !origin) return NONE
  const methods = entry.methods ? [...entry.methods].join(', ') : undefined
  if (entry.policy === 'public') return { origin: '*', methods, maxAge: CORS_MAX_AGE_SECONDS }
  const key = corsOriginKey(origin)
  if (!key) return NONE
  let allowed: boolean
  if (preflight) {
    allowed = await isAnyRedirectOrigin(app.db, key)
  } else {
    const client = entry.policy === 'client' ? namedClient(request) : await bearerClient(app, request)
    allowed = client !== undefined && (await isApplicationRedirectOrigin(app.db, client, key))
  }
  if (!allowed) return NONE
  return {
    origin,
    methods,
    allowedHeaders: CLIENT_HEADERS,
    exposedHeaders: 'WWW-Authenticate',
    maxAge: CORS_MAX_AGE_SECONDS,
  }
}

/**
 * CORS for the routes that ask for it (CONTRACT 10), through @fastify/cors with a
 * decision per request. It runs in preValidation, after the body is parsed (a
 * `client_id` in the body names the client) and before schema validation (so a
 * browser app can read the error of a bad request). Register it before the routes:
 * it learns each route's policy as the route is registered.
 */
export const cors = fp(async (app: FastifyInstance) => {
  const paths = new Map<string, PathPolicy>()
  await app.register(fastifyCors, {
    hook: 'preValidation',
    delegator: (request, callback) => {
      // Every other route: no promise, no query, and @fastify/cors stops at `cors: false`.
      if (request.method !== 'OPTIONS' && !request.routeOptions.config?.cors) return callback(null, NONE)
      decide(app, paths, request).then(
        (options) => callback(null, options),
        (error: Error) => callback(error),
      )
    },
  })
  // Added after @fastify/cors has registered its `OPTIONS *` route, which must keep no policy.
  app.addHook('onRoute', (route) => {
    const policy = route.config?.cors
    if (!policy) {
      route.config = { ...route.config, cors: false }
      return
    }
    const entry = paths.get(route.url) ?? { policy, methods: new Set<string>() }
    for (const method of [route.method].flat()) entry.methods.add(method)
    paths.set(route.url, entry)
  })
})
