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
