import t from 'tap'
import { deleteApplication, regenerateClientSecret } from '../../src/applications/service.js'
import { revokeService } from '../../src/service-credentials/service.js'
import { CALLER_FAILURES_PER_WINDOW } from '../../src/validation/introspect-routes.js'
import { AUDIT, basicAuth } from '../fixtures.js'
import { build, DATABASE_KIND } from '../helper.js'
import { cacheLookups, introspect, seedValidation } from './fixtures.js'

const INVALID_CLIENT = {
  error: 'invalid_client',
  error_description:
    'Client authentication failed: send HTTP Basic credentials of a service (id and lks_ secret) or of an application (client id and lkc_ secret).',
}

t.test(
  `unauthenticated and wrongly authenticated callers get 401 invalid_client (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const seed = await seedValidation(app)
    const { service, reporter } = seed
    const wrong = [
      undefined,
      'Bearer abc',
      'Basic !!!',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      basicAuth(service.id, `${service.secret}x`),
      basicAuth(service.id + 1000, service.secret),
      basicAuth('gateway', service.secret),
      basicAuth(service.id, reporter.clientSecret),
      basicAuth(reporter.application.id, `${reporter.clientSecret}x`),
      basicAuth(reporter.application.id, service.secret),
      basicAuth(reporter.application.id + 1, reporter.clientSecret),
      basicAuth(reporter.application.id, ''),
    ]
    for (const [index, authorization] of wrong.entries()) {
      const response = await introspect(app, authorization, seed.grant.token, {}, `10.0.1.${index}`)
      t.equal(response.statusCode, 401, `credentials #${index}`)
      t.same(response.json(), INVALID_CLIENT)
      t.equal(response.headers['www-authenticate'], 'Basic realm="latchkey"')
      t.equal(response.headers['cache-control'], 'no-store')
    }
    t.equal((await introspect(app, seed.serviceBasic, seed.grant.token)).json().active, true)
    t.equal((await introspect(app, reporter.basic, seed.grant.token)).json().active, true)
  },
)

t.test(`failed caller authentication is throttled per IP (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const seed = await seedValidation(app)
  const wrong = basicAuth(seed.service.id, 'lks_wrong')
  for (let i = 1; i <= CALLER_FAILURES_PER_WINDOW; i++) {
    t.equal((await introspect(app, wrong, seed.grant.token)).statusCode, 401, `failure ${i}`)
  }
  const throttled = await introspect(app, wrong, seed.grant.token)
  t.equal(throttled.statusCode, 429)
  t.ok(Number(throttled.headers['retry-after']) > 0, 'Retry-After says when to come back')
  t.match(throttled.json().error_description, /Too many failed client authentications/)
  t.equal((await introspect(app, undefined, seed.grant.token)).statusCode, 429, 'no credentials count too')

  const fromElsewhere = await app.inject({
    method: 'POST',
    url: '/oauth/introspect',
    remoteAddress: '10.0.0.9',
    headers: { authorization: wrong, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `token=${seed.grant.token}`,
  })
  t.equal(fromElsewhere.statusCode, 401, 'another address is not throttled')

  const valid = await introspect(app, seed.serviceBasic, seed.grant.token)
  t.equal(valid.statusCode, 200, 'valid credentials still work from the throttled address')
  t.equal(valid.json().active, true)
})

t.test(
  `verified credentials are cached, and forgotten when revoked or changed (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const seed = await seedValidation(app)
    for (let i = 0; i < 3; i++) await introspect(app, seed.serviceBasic, seed.grant.token)
    t.same(await cacheLookups(app, 'caller'), { miss: 1, hit: 2 }, 'one lookup for three calls')

    t.ok(await revokeService(app.db, seed.service.id, new Date()))
    const revoked = await introspect(app, seed.serviceBasic, seed.grant.token)
    t.equal(revoked.statusCode, 401, 'a revoked service is refused at once, although it was cached')

    const reporter = seed.reporter
    t.equal((await introspect(app, reporter.basic, seed.grant.token)).json().active, true)
    t.equal((await introspect(app, reporter.basic, seed.grant.token)).json().active, true)
    const fresh = await regenerateClientSecret(
      app.db,
      { accountId: seed.admin.accountId, id: reporter.application.id, now: new Date() },
      AUDIT,
    )
    t.equal(
      (await introspect(app, reporter.basic, seed.grant.token)).statusCode,
      401,
      'the old secret is dead',
    )
    const renewed = basicAuth(reporter.application.id, fresh.clientSecret)
    t.equal((await introspect(app, renewed, seed.grant.token)).json().active, true, 'the new one works')

    await deleteApplication(app.db, { accountId: seed.admin.accountId, id: reporter.application.id }, AUDIT)
    t.equal((await introspect(app, renewed, seed.grant.token)).statusCode, 401, 'a deleted application')
  },
)
