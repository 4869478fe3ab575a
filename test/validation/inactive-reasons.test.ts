import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { createApiToken, revokeApiToken } from '../../src/api-tokens/service.js'
import { deleteApplication } from '../../src/applications/service.js'
import { revokeAuthorization } from '../../src/authorizations/service.js'
import { publishInvalidation } from '../../src/invalidation/publish.js'
import { changeMemberRole } from '../../src/members/service.js'
import { generateToken } from '../../src/tokens/format.js'
import { addUserWithRole } from '../../src/users/service.js'
import { AUDIT, authorize, me, seedApplication, whenTrusted } from '../fixtures.js'
import { build, DATABASE_KIND, seedUser } from '../helper.js'
import { cacheLookups, INACTIVE_401, introspect, seedValidation, verify } from './fixtures.js'

/**
 * Active through all three doors, with the given effective permission, and
 * cached: a later /verify is a cache hit. (The instance's own NOTIFY may still
 * be on its way after a change, and a lookup that overlaps it is not stored,
 * so the hit may take a few tries.)
 */
async function expectActive(
  t: Test,
  app: FastifyInstance,
  service: string,
  token: string,
  permission: string,
) {
  t.equal((await verify(app, token)).headers['x-auth-permission'], permission, '/verify')
  // Nothing is cached before the app listens for changes; after that, the next request is a hit.
  await whenTrusted(app)
  let cached = false
  for (let i = 0; i < 20 && !cached; i++) {
    const hitsBefore = (await cacheLookups(app)).hit ?? 0
    t.equal((await verify(app, token)).headers['x-auth-permission'], permission)
    cached = ((await cacheLookups(app)).hit ?? 0) > hitsBefore
  }
  t.ok(cached, 'answered from the cache')
  const introspected = (await introspect(app, service, token)).json()
  t.equal(introspected.active, true, '/oauth/introspect')
  t.equal(introspected.scope, permission)
  const apiMe = await me(app, token)
  t.equal(apiMe.statusCode, 200, '/api/v1')
  t.equal(apiMe.json().permission, permission)
}

async function expectInactive(t: Test, app: FastifyInstance, service: string, token: string, why: string) {
  const verified = await verify(app, token)
  t.equal(verified.statusCode, 401, `/verify: ${why}`)
  t.same(verified.json(), INACTIVE_401)
  t.equal(verified.headers['www-authenticate'], 'Bearer realm="latchkey", error="invalid_token"')
  t.equal((await introspect(app, service, token)).body, '{"active":false}', `/oauth/introspect: ${why}`)
  const apiMe = await me(app, token)
  t.equal(apiMe.statusCode, 401, `/api/v1: ${why}`)
  t.same(apiMe.json(), INACTIVE_401)
}

t.test(
  `every reason a token stops, through /verify, /oauth/introspect and /api/v1 (${DATABASE_KIND})`,
  async (t) => {
    let now = new Date('2026-06-01T00:00:00Z')
    const { app } = await build(t, { now: () => now })
    const seed = await seedValidation(app)
    const { admin, serviceBasic } = seed
    const personal = async (userId: number, accountId = admin.accountId, expiresAt: Date | null = null) =>
      createApiToken(app.db, { accountId, userId, name: 'x', permission: 'browse', expiresAt }, AUDIT)

    await t.test('malformed and unknown', async (t) => {
      for (const token of ['lkp_bad', generateToken('personal'), generateToken('application')])
        await expectInactive(t, app, serviceBasic, token, token.length > 10 ? 'unknown' : 'malformed')
    })

    await t.test('revoked', async (t) => {
      const token = await personal(admin.userId)
      await expectActive(t, app, serviceBasic, token.token, 'browse')
      await revokeApiToken(app.db, { accountId: admin.accountId, tokenId: token.id, now }, AUDIT)
      await expectInactive(t, app, serviceBasic, token.token, 'revoked')
    })

    await t.test('expired (checked on every cache hit)', async (t) => {
      const token = await personal(admin.userId, admin.accountId, new Date(now.getTime() + 3600_000))
      await expectActive(t, app, serviceBasic, token.token, 'browse')
      now = new Date(now.getTime() + 3600_000)
      await expectInactive(t, app, serviceBasic, token.token, 'expired')
    })

    await t.test('the user lost their role', async (t) => {
      const designer = await seedUser(app, 'design', { accountId: admin.accountId })
      const token = await personal(designer.userId)
      await expectActive(t, app, serviceBasic, token.token, 'browse')
      await app.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('memberships').where('user_id', '=', designer.userId).execute()
        await publishInvalidation(trx, {
          type: 'membership',
          accountId: admin.accountId,
          userId: designer.userId,
        })
      })
      await expectInactive(t, app, serviceBasic, token.token, 'no role left')
    })

    await t.test('the account was deleted', async (t) => {
      const child = await createAccount(app.db, { name: 'Child', parentId: admin.accountId })
      const token = await personal(admin.userId, child.id)
      await expectActive(t, app, serviceBasic, token.token, 'browse')
      await app.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('accounts').where('id', '=', child.id).execute()
        await publishInvalidation(trx, { type: 'account', id: child.id })
      })
      await expectInactive(t, app, serviceBasic, token.token, 'account deleted')
    })

    await t.test('the application was deleted', async (t) => {
      const doomed = await seedApplication(
        app,
        { accountId: admin.accountId },
        { name: 'Doomed', permission: 'publish' },
      )
      const grant = await authorize(app, doomed.application, admin)
      await expectActive(t, app, serviceBasic, grant.token, 'publish')
      await deleteApplication(app.db, { accountId: admin.accountId, id: doomed.application.id }, AUDIT)
      await expectInactive(t, app, serviceBasic, grant.token, 'application deleted')
    })

    await t.test('the authorization was revoked', async (t) => {
      await expectActive(t, app, serviceBasic, seed.grant.token, 'publish')
      await revokeAuthorization(
        app.db,
        { accountId: admin.accountId, applicationId: seed.reporter.application.id },
        AUDIT,
      )
      await expectInactive(t, app, serviceBasic, seed.grant.token, 'authorization revoked')
    })

    await t.test('the user was disabled, and re-enabled', async (t) => {
      const publisher = await seedUser(app, 'publish', { accountId: admin.accountId })
      const token = await personal(publisher.userId)
      await expectActive(t, app, serviceBasic, token.token, 'browse')
      const setDisabled = (at: Date | null) =>
        app.db.transaction().execute(async (trx) => {
          await trx.updateTable('users').set({ disabled_at: at }).where('id', '=', publisher.userId).execute()
          await publishInvalidation(trx, { type: 'user', id: publisher.userId })
        })
      await setDisabled(now)
      await expectInactive(t, app, serviceBasic, token.token, 'user disabled')
      await setDisabled(null)
      await expectActive(t, app, serviceBasic, token.token, 'browse')
    })
  },
)

t.test(
  `a role lowered on a parent account narrows a token on a sub-account (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const seed = await seedValidation(app)
    const child = await createAccount(app.db, { name: 'Child', parentId: seed.admin.accountId })
    const grandchild = await createAccount(app.db, { name: 'Grandchild', parentId: child.id })
    const publisher = await seedUser(app, 'publish', { accountId: seed.admin.accountId })
    const token = await createApiToken(
      app.db,
      {
        accountId: grandchild.id,
        userId: publisher.userId,
        name: 'deep',
        permission: 'publish',
        expiresAt: null,
      },
      AUDIT,
    )
    await expectActive(t, app, seed.serviceBasic, token.token, 'publish')
    t.equal((await verify(app, token.token, '?permission=publish')).statusCode, 200)

    await changeMemberRole(
      app.db,
      {
        accountId: seed.admin.accountId,
        actorUserId: seed.admin.userId,
        userId: publisher.userId,
        role: 'browse',
      },
      AUDIT,
    )
    await expectActive(t, app, seed.serviceBasic, token.token, 'browse')
    const denied = await verify(app, token.token, '?permission=publish')
    t.equal(denied.statusCode, 403)
    t.same(denied.json().permission, 'browse')

    // A direct role on the sub-account (seeded as the CLI does; adding people is not what this tests).
    await addUserWithRole(
      app.db,
      {
        email: publisher.email,
        name: '',
        password: undefined,
        role: 'design',
        account: { accountId: child.id },
      },
      AUDIT,
    )
    await expectActive(t, app, seed.serviceBasic, token.token, 'design')
  },
)
