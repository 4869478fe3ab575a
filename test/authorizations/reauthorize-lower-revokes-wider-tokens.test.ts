import t from 'tap'
import { authorizeApplication } from '../../src/authorizations/service.js'
import type { Role } from '../../src/db/schema.js'
import { issueAuthorizationCode } from '../../src/oauth/codes.js'
import { createService } from '../../src/service-credentials/repo.js'
import {
  AUDIT,
  apiClient,
  basicAuth,
  listenInvalidations,
  personalToken,
  seedApplication,
} from '../fixtures.js'
import { build, DATABASE_KIND, seedFirstAdmin, type Teardown } from '../helper.js'
import { cacheLookups, introspect, verify } from '../validation/fixtures.js'

// Issue 11, item 8: re-authorizing an application with a lower permission left
// the older, wider tokens of that authorization live while the Apps page showed
// the lower permission.
async function setUp(t: Teardown) {
  const { app, database } = await build(t)
  const admin = await seedFirstAdmin(app)
  const registered = await seedApplication(
    app,
    { accountId: admin.accountId },
    { name: 'Reporter', permission: 'admin' },
  )
  const authorize = (permission: Role) =>
    authorizeApplication(
      app.db,
      { application: registered.application, accountId: admin.accountId, userId: admin.userId, permission },
      AUDIT,
    )
  const service = await createService(app.db, 'gateway')
  const asAdmin = apiClient(app, await personalToken(app, admin, 'admin'))
  const appsPage = async () => (await asAdmin('GET', '/api/v1/authorized-apps')).json().authorized_apps
  return {
    app,
    database,
    admin,
    registered,
    authorize,
    serviceBasic: basicAuth(service.id, service.secret),
    appsPage,
  }
}

t.test(
  `re-authorizing with a lower permission revokes the older, wider tokens (${DATABASE_KIND})`,
  async (t) => {
    const { app, database, registered, authorize, serviceBasic, appsPage } = await setUp(t)
    const wide = await authorize('admin')
    const same = await authorize('admin')
    t.equal((await verify(app, wide.token)).headers['x-auth-permission'], 'admin', 'the wide token works')
    const hitsBefore = (await cacheLookups(app)).hit ?? 0
    t.equal((await verify(app, wide.token)).statusCode, 200)
    t.equal((await cacheLookups(app)).hit, hitsBefore + 1, 'and is served from the cache')
    t.equal((await introspect(app, serviceBasic, wide.token)).json().active, true)
    t.equal(
      (await verify(app, same.token)).statusCode,
      200,
      're-authorizing at the same level keeps older tokens',
    )

    const invalidations = await listenInvalidations(t, database)
    const narrow = await authorize('browse')
    t.match(
      await appsPage(),
      [{ app_id: registered.application.id, permission: 'browse', live_tokens: 1 }],
      'the Apps page shows browse, with the one token that carries it',
    )

    for (const [name, token] of [
      ['the first wide token', wide.token],
      ['the second', same.token],
    ] as const) {
      const verified = await verify(app, token)
      t.equal(verified.statusCode, 401, `${name}: inactive on /verify, cached or not`)
      t.same(
        (await introspect(app, serviceBasic, token)).json(),
        { active: false },
        `${name}: on introspection`,
      )
    }
    const now = await verify(app, narrow.token)
    t.equal(now.statusCode, 200)
    t.equal(now.headers['x-auth-permission'], 'browse', 'the new token carries the new permission')
    const announced = await invalidations.settled()
    t.same(
      announced
        .filter((i) => i.type === 'token')
        .map((i) => (i as { id: number }).id)
        .sort(),
      [wide.tokenId, same.tokenId].sort(),
      'both revocations are announced to every instance',
    )

    const raised = await authorize('publish')
    t.equal(
      (await verify(app, narrow.token)).statusCode,
      200,
      'raising it again leaves narrower tokens alone',
    )
    t.equal((await verify(app, raised.token)).headers['x-auth-permission'], 'publish')
  },
)

t.test('consenting to a lower scope in the code flow revokes the wider tokens too', async (t) => {
  const { app, admin, registered, authorize, serviceBasic, appsPage } = await setUp(t)
  const wide = await authorize('admin')
  t.equal((await verify(app, wide.token)).statusCode, 200)
  await issueAuthorizationCode(
    app.db,
    {
      application: registered.application,
      accountId: admin.accountId,
      userId: admin.userId,
      permission: 'design',
      redirectUri: '',
      codeChallenge: '',
    },
    app.config.now(),
    AUDIT,
  )
  t.match(await appsPage(), [{ permission: 'design', live_tokens: 0 }], 'the Apps page shows design')
  t.equal((await verify(app, wide.token)).statusCode, 401, 'the admin token is gone')
  t.same((await introspect(app, serviceBasic, wide.token)).json(), { active: false })
})
