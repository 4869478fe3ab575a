import http from 'node:http'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { createApiToken } from '../../src/api-tokens/service.js'
import { createService } from '../../src/service-credentials/repo.js'
import { AUDIT, authorize, basicAuth, seedApplication } from '../fixtures.js'
import { type Seeded, seedFirstAdmin } from '../helper.js'

/** An admin, an application authorized on the admin's account, a personal token and a service. */
export async function seedValidation(app: FastifyInstance, options: { expiresAt?: Date | null } = {}) {
  const admin: Seeded = await seedFirstAdmin(app)
  const reporter = await seedApplication(app, admin, { name: 'Reporter', permission: 'publish' })
  const grant = await authorize(app, reporter.application, admin)
  const personal = await createApiToken(
    app.db,
    {
      accountId: admin.accountId,
      userId: admin.userId,
      name: 'ci',
      permission: 'design',
      expiresAt: options.expiresAt ?? null,
    },
    AUDIT,
  )
  const service = await createService(app.db, 'gateway')
  return { admin, reporter, grant, personal, service, serviceBasic: basicAuth(service.id, service.secret) }
}

export type ValidationSeed = Awaited<ReturnType<typeof seedValidation>>

/**
 * The CONTRACT 5b bodies of the seed's two active tokens, fields in the contract's
 * order (compare with JSON.stringify to check the order too): the application
 * token, which does not expire, and the personal token, which expires at `expiresAt`.
 */
export async function activeBodies(app: FastifyInstance, seed: ValidationSeed, expiresAt: Date) {
  const issued = await app.db.selectFrom('tokens').select(['id', 'created_at']).orderBy('id').execute()
  const [appIssued, personalIssued] = issued.map((row) => Math.floor(row.created_at.getTime() / 1000))
  const [appTokenId, personalTokenId] = issued.map((row) => row.id)
  return {
    application: {
      active: true,
      token_type: 'Bearer',
      scope: 'publish',
      permission: 'publish',
      token_kind: 'application',
      client_id: String(seed.reporter.application.id),
      app_id: seed.reporter.application.id,
      account_id: seed.admin.accountId,
      sub: String(seed.admin.userId),
      username: seed.admin.email,
      iat: appIssued,
      iss: 'http://localhost:3000',
      token_id: appTokenId,
      authorization_id: seed.grant.authorizationId,
    },
    personal: {
      active: true,
      token_type: 'Bearer',
      scope: 'design',
      permission: 'design',
      token_kind: 'personal',
      app_id: null,
      account_id: seed.admin.accountId,
      sub: String(seed.admin.userId),
      username: seed.admin.email,
      iat: personalIssued,
      exp: Math.floor(expiresAt.getTime() / 1000),
      iss: 'http://localhost:3000',
      token_id: personalTokenId,
      authorization_id: null,
    },
  }
}

export function verify(app: FastifyInstance, token: string, query = ''): Promise<LightMyRequestResponse> {
  return app.inject({ url: `/verify${query}`, headers: { authorization: `Bearer ${token}` } })
}

export function introspect(
  app: FastifyInstance,
  authorization: string | undefined,
  token: string,
  extra: Record<string, string> = {},
  remoteAddress = '127.0.0.1',
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/oauth/introspect',
    remoteAddress,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization ? { authorization } : {}),
    },
    payload: new URLSearchParams({ token, ...extra }).toString(),
  })
}

export const INACTIVE_401 = {
  statusCode: 401,
  error: 'Authentication Failed',
  message: 'The token is not valid: it is unknown, expired or revoked, or its user no longer has access.',
}

/** Cache lookups counted so far, by result (`cache` is "token" or "caller"). */
export async function cacheLookups(app: FastifyInstance, cache = 'token'): Promise<Record<string, number>> {
  const metric = await app.metrics.cacheLookups.get()
  const counts: Record<string, number> = {}
  for (const value of metric.values)
    if (value.labels.cache === cache) counts[String(value.labels.result)] = value.value
  return counts
}

export interface HttpAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** One request over real HTTP to a listening app (the hot path of `/verify` is not reached by `inject()`). */
export function send(
  agent: http.Agent,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ agent, host: '127.0.0.1', port, method, path, headers }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        text += chunk
      })
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
      )
    })
    request.on('error', reject)
    request.end(body)
  })
}
