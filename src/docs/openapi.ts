import swagger from '@fastify/swagger'
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { Type } from 'typebox'
import { ErrorResponse, OAuthErrorBody } from '../http/schemas.js'
import { VERSION } from '../version.js'

type Responses = Record<string, unknown>

const HtmlPage = (description: string) => ({
  description,
  content: { 'text/html': { schema: Type.String() } },
})

/** The protocol endpoints: documented even when they answer with pages (`/oauth/authorize`). */
const isProtocolRoute = (url: string) =>
  url.startsWith('/api/v1') ||
  url.startsWith('/oauth/') ||
  url === '/verify' ||
  url.startsWith('/.well-known/')

/** The errors every operation of a family can answer, added where a route schema leaves them out. */
function defaultErrors(route: RouteOptions, schema: FastifySchema, page: boolean): Responses {
  const url = route.url
  const methods = ([] as string[]).concat(route.method)
  const takesInput =
    Boolean(schema.body || schema.querystring || schema.params) ||
    url.includes(':') ||
    methods.some((m) => !['GET', 'HEAD', 'DELETE'].includes(m))
  if (page) return { 200: HtmlPage('A page'), 400: HtmlPage('An error page, or a redirect with error=') }
  if (url.startsWith('/oauth/')) return { 400: OAuthErrorBody, 401: OAuthErrorBody }
  if (url === '/verify') return { 401: ErrorResponse, 403: ErrorResponse }
  if (url.startsWith('/api/v1')) return { ...(takesInput ? { 400: ErrorResponse } : {}), 401: ErrorResponse }
  return {}
}

const TOKEN_SECURITY = [{ bearerToken: [] }, { tokenHeader: [] }]

function securityOf(url: string): unknown[] | undefined {
  if (url.startsWith('/api/v1') || url === '/verify') return TOKEN_SECURITY
  if (url === '/oauth/introspect' || url === '/oauth/revoke' || url === '/oauth/token')
    return [{ clientBasic: [] }, {}]
  return undefined
}

/**
 * Documents the JSON and protocol endpoints from their route schemas. Other HTML
 * pages and static assets are left out; each operation gets its family's error
 * responses (401 for token-authenticated routes, RFC 6749 errors for OAuth) when
 * its own schema does not list them, so every operation is documented with its errors.
 */
function transform({ schema, url, route }: { schema: FastifySchema; url: string; route: RouteOptions }) {
  const page = route.config?.errorStyle === 'page' || url.startsWith('/assets/')
  const own = (schema ?? {}) as FastifySchema & { response?: Responses; security?: unknown }
  if (page && !isProtocolRoute(url)) return { schema: { ...own, hide: true } as FastifySchema, url }
  const response = { ...defaultErrors(route, own, page), ...(own.response ?? {}) }
  const security = own.security ?? securityOf(url)
  return { schema: { ...own, response, ...(security ? { security } : {}) } as FastifySchema, url }
}

/** @fastify/swagger, registered before any route so that its onRoute hook sees them all. */
export const openapi = fp(async (app: FastifyInstance) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Latchkey',
        version: VERSION,
        description:
          'Authorization server: the JSON management API, token validation (forward-auth and RFC 7662 introspection) and the OAuth 2.0 endpoints.',
      },
      servers: [{ url: app.config.publicUrl }],
      tags: [
        { name: 'api', description: 'JSON management API, authenticated by a token in a header' },
        { name: 'oauth', description: 'OAuth 2.0 endpoints (RFC 6749, 7009, 7636, 7662, 8414)' },
        { name: 'verify', description: 'Token validation for gateways and services' },
        { name: 'operations', description: 'Health, readiness, metrics and this document' },
      ],
      components: {
        securitySchemes: {
          bearerToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'Authorization: Bearer lkp_… or lka_…',
          },
          tokenHeader: { type: 'apiKey', in: 'header', name: 'token', description: 'token: lkp_… or lka_…' },
          clientBasic: {
            type: 'http',
            scheme: 'basic',
            description: 'client_id:client_secret of an application, or service_id:secret of a service',
          },
        },
      },
    },
    transform,
  })
})
