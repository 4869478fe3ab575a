import t, { type Test } from 'tap'
import { deleteApplication, regenerateClientSecret } from '../../src/applications/service.js'
import { type Invalidation, onLocalInvalidation } from '../../src/invalidation/publish.js'
import { AUDIT } from '../fixtures.js'
import { build, DATABASE_KIND } from '../helper.js'
import { cacheLookups, seedValidation, verify } from '../validation/fixtures.js'

/** What the services announce in this process, in order (PostgreSQL would fold identical NOTIFYs). */
function announcements(t: Test, db: Parameters<typeof onLocalInvalidation>[0]): Invalidation[] {
  const seen: Invalidation[] = []
  t.teardown(onLocalInvalidation(db, (change) => seen.push(change)))
  return seen
}

t.test(`regenerating a client secret keeps the application's tokens cached (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const seed = await seedValidation(app)
  const { application } = seed.reporter
  t.equal((await verify(app, seed.grant.token)).statusCode, 200, 'the token is valid and now cached')
  const seen = announcements(t, app.db)
  await regenerateClientSecret(
    app.db,
    { accountId: seed.admin.accountId, id: application.id, now: new Date() },
    AUDIT,
  )
  t.same(seen, [{ type: 'client_secret', id: application.id }], 'only the secret change is announced')
  const before = await cacheLookups(app)
  t.equal((await verify(app, seed.grant.token)).statusCode, 200, 'the token stays valid')
  const after = await cacheLookups(app)
  t.equal((after.hit ?? 0) - (before.hit ?? 0), 1, 'and is answered from the cache')
})

t.test(`deleting an application announces it once (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const seed = await seedValidation(app)
  const { application } = seed.reporter
  const seen = announcements(t, app.db)
  await deleteApplication(app.db, { accountId: seed.admin.accountId, id: application.id }, AUDIT)
  t.same(seen, [{ type: 'application', id: application.id }])
  t.equal((await verify(app, seed.grant.token)).statusCode, 401, 'its tokens are gone')
})
