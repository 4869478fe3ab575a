import type { FastifyInstance } from 'fastify'
import { createAccount } from '../../src/accounts/repo.js'
import { createApiToken, revokeApiToken } from '../../src/api-tokens/service.js'
import {
  deleteApplication,
  regenerateClientSecret,
  updateApplication,
} from '../../src/applications/service.js'
import { authorizeApplication, revokeAuthorization } from '../../src/authorizations/service.js'
import type { Role } from '../../src/db/schema.js'
import { publishInvalidation } from '../../src/invalidation/publish.js'
import { changeMemberRole } from '../../src/members/service.js'
import { createService } from '../../src/service-credentials/repo.js'
import { revokeService } from '../../src/service-credentials/service.js'
import { AUDIT, basicAuth, seedApplication } from '../fixtures.js'
import { seedFirstAdmin, seedUser } from '../helper.js'
import { introspect, verify } from '../validation/fixtures.js'

/** One kind of change: what the observing instance answers before and after it. */
export interface ChangeScenario {
  name: string
  cache: 'token' | 'caller'
  probe: () => Promise<string>
  before: string
  after: string
  change: () => Promise<void>
}

/** `/verify` on the observer, as "200 <permission>" or the status code. */
function verifyProbe(observer: FastifyInstance, token: string): () => Promise<string> {
  return async () => {
    const response = await verify(observer, token)
    return response.statusCode === 200
      ? `200 ${response.headers['x-auth-permission']}`
      : String(response.statusCode)
  }
}

/**
 * Every kind of change that narrows or kills a token or a caller, each made
 * through `changer` the way the services make it (change and NOTIFY in one
 * transaction), and watched on `observer`, another instance on the same database.
 */
export async function changeScenarios(
  changer: FastifyInstance,
  observer: FastifyInstance,
): Promise<(() => Promise<ChangeScenario>)[]> {
  const db = changer.db
  const admin = await seedFirstAdmin(changer)
  const personal = async (userId: number, accountId = admin.accountId, permission: Role = 'browse') =>
    createApiToken(db, { accountId, userId, name: 'x', permission, expiresAt: null }, AUDIT)
  const grant = async (name: string) => {
    const registered = await seedApplication(
      changer,
      { accountId: admin.accountId },
      { name: name, permission: 'publish' },
    )
    const granted = await authorizeApplication(
      db,
      { application: registered.application, accountId: admin.accountId, userId: admin.userId },
      AUDIT,
    )
    return { ...registered, token: granted.token }
  }
  // A client-credentials token (CONTRACT 10), issued by the token endpoint of the changing instance.
  const clientToken = async (name: string) => {
    const { application, clientSecret } = await seedApplication(
      changer,
      { accountId: admin.accountId },
      { name, permission: 'publish' },
    )
    const response = await changer.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: basicAuth(application.id, clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    })
    if (response.statusCode !== 200) throw new Error(`client_credentials: ${response.body}`)
    return { id: application.id, token: String(response.json().access_token) }
  }
  const service = await createService(db, 'gateway')
  const serviceBasic = basicAuth(service.id, service.secret)
  const introspectProbe = (authorization: string, token: string) => async () =>
    String((await introspect(observer, authorization, token)).statusCode)

  return [
    async () => {
      const token = await personal(admin.userId)
      return {
        name: 'token revoked',
        cache: 'token',
        probe: verifyProbe(observer, token.token),
        before: '200 browse',
        after: '401',
        change: () =>
          revokeApiToken(db, { accountId: admin.accountId, tokenId: token.id, now: new Date() }, AUDIT),
      }
    },
    async () => {
      const granted = await grant('Revoked App')
      return {
        name: 'authorization revoked',
        cache: 'token',
        probe: verifyProbe(observer, granted.token),
        before: '200 publish',
        after: '401',
        change: () =>
          revokeAuthorization(
            db,
            { accountId: admin.accountId, applicationId: granted.application.id },
            AUDIT,
          ),
      }
    },
    async () => {
      const granted = await grant('Deleted App')
      return {
        name: 'application deleted',
        cache: 'token',
        probe: verifyProbe(observer, granted.token),
        before: '200 publish',
        after: '401',
        change: async () => {
          await deleteApplication(db, { accountId: admin.accountId, id: granted.application.id }, AUDIT)
        },
      }
    },
    async () => {
      const client = await clientToken('Narrowed Client')
      return {
        name: "application's permission lowered (client-credentials token)",
        cache: 'token',
        probe: verifyProbe(observer, client.token),
        before: '200 publish',
        after: '200 browse',
        change: async () => {
          await updateApplication(
            db,
            { accountId: admin.accountId, id: client.id, fields: { permission: 'browse' }, now: new Date() },
            AUDIT,
          )
        },
      }
    },
    async () => {
      const client = await clientToken('Deleted Client')
      return {
        name: 'application deleted (client-credentials token)',
        cache: 'token',
        probe: verifyProbe(observer, client.token),
        before: '200 publish',
        after: '401',
        change: async () => {
          await deleteApplication(db, { accountId: admin.accountId, id: client.id }, AUDIT)
        },
      }
    },
    async () => {
      const child = await createAccount(db, { name: 'Doomed', parentId: admin.accountId })
      const token = await personal(admin.userId, child.id)
      return {
        name: 'account deleted',
        cache: 'token',
        probe: verifyProbe(observer, token.token),
        before: '200 browse',
        after: '401',
        change: () =>
          db.transaction().execute(async (trx) => {
            await trx.deleteFrom('accounts').where('id', '=', child.id).execute()
            await publishInvalidation(trx, { type: 'account', id: child.id })
          }),
      }
    },
    async () => {
      const publisher = await seedUser(changer, 'publish', { accountId: admin.accountId })
      const child = await createAccount(db, { name: 'Child', parentId: admin.accountId })
      const token = await personal(publisher.userId, child.id, 'publish')
      return {
        name: 'role lowered on the parent account',
        cache: 'token',
        probe: verifyProbe(observer, token.token),
        before: '200 publish',
        after: '200 browse',
        change: () =>
          changeMemberRole(
            db,
            {
              accountId: admin.accountId,
              actorUserId: admin.userId,
              userId: publisher.userId,
              role: 'browse',
            },
            AUDIT,
          ),
      }
    },
    async () => {
      const designer = await seedUser(changer, 'design', { accountId: admin.accountId })
      const token = await personal(designer.userId)
      return {
        name: 'membership removed',
        cache: 'token',
        probe: verifyProbe(observer, token.token),
        before: '200 browse',
        after: '401',
        change: () =>
          db.transaction().execute(async (trx) => {
            await trx.deleteFrom('memberships').where('user_id', '=', designer.userId).execute()
            await publishInvalidation(trx, {
              type: 'membership',
              accountId: admin.accountId,
              userId: designer.userId,
            })
          }),
      }
    },
    async () => {
      const user = await seedUser(changer, 'admin', { accountId: admin.accountId })
      const token = await personal(user.userId)
      return {
        name: 'user disabled',
        cache: 'token',
        probe: verifyProbe(observer, token.token),
        before: '200 browse',
        after: '401',
        change: () =>
          db.transaction().execute(async (trx) => {
            await trx
              .updateTable('users')
              .set({ disabled_at: new Date() })
              .where('id', '=', user.userId)
              .execute()
            await publishInvalidation(trx, { type: 'user', id: user.userId })
          }),
      }
    },
    async () => {
      const token = await personal(admin.userId)
      return {
        name: 'service revoked (introspection caller)',
        cache: 'caller',
        probe: introspectProbe(serviceBasic, token.token),
        before: '200',
        after: '401',
        change: async () => {
          await revokeService(db, service.id, new Date())
        },
      }
    },
    async () => {
      const granted = await grant('Rotating App')
      return {
        name: 'client secret regenerated (introspection caller)',
        cache: 'caller',
        probe: introspectProbe(granted.basic, granted.token),
        before: '200',
        after: '401',
        change: async () => {
          await regenerateClientSecret(
            db,
            { accountId: admin.accountId, id: granted.application.id, now: new Date() },
            AUDIT,
          )
        },
      }
    },
  ]
}
