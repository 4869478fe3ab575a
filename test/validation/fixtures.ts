import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { createApiToken } from '../../src/api-tokens/service.js'
import { generateClientSecret } from '../../src/applications/client-secret.js'
import { insertApplication } from '../../src/applications/repo.js'
import { authorizeApplication } from '../../src/authorizations/service.js'
import type { Application, Role } from '../../src/db/schema.js'
import { createService } from '../../src/service-credentials/repo.js'
import { type Seeded, seedFirstAdmin } from '../helper.js'

export const AUDIT = { actorUserId: null, actorLabel: 'test', ip: '127.0.0.1', userAgent: 'test' }

/** HTTP Basic credentials as RFC 6749 section 2.3.1 builds them. */
export function basic(id: number | string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`
}

export interface RegisteredApplication {
  application: Application
  clientSecret: string
  basic: string
}

export async function registerApplication(
  app: FastifyInstance,
  accountId: number,
  name: string,
  permission: Role = 'publish',
): Promise<RegisteredApplication> {
  const { secret, hash } = generateClientSecret()
  const application = await insertApplication(app.db, {
    accountId,
    name,
    description: `${name} does things`,
    url: 'https://example.com',
    redirectUrl: '',
    permission,
    clientSecretHash: hash,
    createdBy: null,
  })
  return { application, clientSecret: secret, basic: basic(application.id, secret) }
}

/** An admin, an application authorized on the admin's account, a personal token and a service. */
export async function seedValidation(app: FastifyInstance, options: { expiresAt?: Date | null } = {}) {
  const admin: Seeded = await seedFirstAdmin(app)
  const reporter = await registerApplication(app, admin.accountId, 'Reporter')
  const grant = await authorizeApplication(
    app.db,
    { application: reporter.application, accountId: admin.accountId, userId: admin.userId },
    AUDIT,
  )
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
  return { admin, reporter, grant, personal, service, serviceBasic: basic(service.id, service.secret) }
}

export type ValidationSeed = Awaited<ReturnType<typeof seedValidation>>

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

export function me(app: FastifyInstance, token: string): Promise<LightMyRequestResponse> {
  return app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
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
