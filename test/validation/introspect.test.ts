import t from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { revokeApiToken } from '../../src/api-tokens/service.js'
import { generateToken } from '../../src/tokens/format.js'
import { AUDIT, authorize, seedApplication } from '../fixtures.js'
import { build, DATABASE_KIND } from '../helper.js'
import { activeBodies, introspect, seedValidation } from './fixtures.js'

const INACTIVE = '{"active":false}'

t.test(`a service sees every active token, exactly as CONTRACT 5b says (${DATABASE_KIND})`, async (t) => {
  const now = new Date('2026-06-01T00:00:00Z')
  const { app } = await build(t, { now: () => now })
  const expiresAt = new Date('2026-06-08T12:00:00Z')
  const seed = await seedValidation(app, { expiresAt })
  const bodies = await activeBodies(app, seed, expiresAt)

  const application = await introspect(app, seed.serviceBasic, seed.grant.token, {
    token_type_hint: 'access_token',
  })
  t.equal(application.statusCode, 200)
  t.equal(application.headers['cache-control'], 'no-store')
  t.match(application.headers['content-type'], /^application\/json/)
  t.equal(application.body, JSON.stringify(bodies.application))

  const personal = await introspect(app, seed.serviceBasic, seed.personal.token)
  t.equal(
    personal.body,
    JSON.stringify(bodies.personal),
    'exp when it expires; no client_id and app_id null for a personal token',
  )
})

t.test(`anything not active is exactly {"active":false} (${DATABASE_KIND})`, async (t) => {
  let now = new Date('2026-06-01T00:00:00Z')
  const { app } = await build(t, { now: () => now })
  const seed = await seedValidation(app, { expiresAt: new Date('2026-06-02T00:00:00Z') })
  const good = generateToken('personal')
  for (const token of [
    generateToken('personal'),
    generateToken('application'),
    `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`,
    'lkp_short',
    '',
    'x'.repeat(4000),
  ]) {
    const response = await introspect(app, seed.serviceBasic, token)
    t.equal(response.statusCode, 200, `200 for ${token.slice(0, 12)}…`)
    t.equal(response.body, INACTIVE)
    t.equal(response.headers['cache-control'], 'no-store')
  }
  await revokeApiToken(app.db, { accountId: seed.admin.accountId, tokenId: seed.personal.id, now }, AUDIT)
  t.equal((await introspect(app, seed.serviceBasic, seed.personal.token)).body, INACTIVE, 'revoked')
  t.equal((await introspect(app, seed.serviceBasic, seed.grant.token)).statusCode, 200)
  now = new Date('2026-06-03T00:00:00Z')
  const other = await seedValidationToken(app, seed.admin.accountId, seed.admin.userId, now)
  t.equal((await introspect(app, seed.serviceBasic, other)).body, INACTIVE, 'expired')

  const missing = await app.inject({
    method: 'POST',
    url: '/oauth/introspect',
    headers: { authorization: seed.serviceBasic, 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'token_type_hint=access_token',
  })
  t.equal(missing.statusCode, 400, 'the token parameter is required')
  t.equal(missing.json().error, 'invalid_request')
})

async function seedValidationToken(
  app: Parameters<typeof seedValidation>[0],
  accountId: number,
  userId: number,
  now: Date,
): Promise<string> {
  const { createApiToken } = await import('../../src/api-tokens/service.js')
  const created = await createApiToken(
    app.db,
    { accountId, userId, name: 'short', permission: 'browse', expiresAt: new Date(now.getTime() - 1000) },
    AUDIT,
  )
  return created.token
}

t.test(`an application introspects only its own tokens (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const seed = await seedValidation(app)
  const other = await seedApplication(
    app,
    { accountId: seed.admin.accountId },
    { name: 'Other', permission: 'browse' },
  )
  const otherGrant = await authorize(app, other.application, seed.admin)

  const own = await introspect(app, seed.reporter.basic, seed.grant.token)
  t.equal(own.json().active, true)
  t.equal(own.json().client_id, String(seed.reporter.application.id))
  t.equal(
    (await introspect(app, seed.reporter.basic, otherGrant.token)).body,
    INACTIVE,
    "another app's token",
  )
  t.equal(
    (await introspect(app, seed.reporter.basic, seed.personal.token)).body,
    INACTIVE,
    'a personal token',
  )
  t.equal((await introspect(app, other.basic, otherGrant.token)).json().scope, 'browse')
  t.equal((await introspect(app, other.basic, seed.grant.token)).body, INACTIVE)

  // An application of another account, authorized here, still sees its own token.
  const elsewhere = await createAccount(app.db, { name: 'Elsewhere' })
  const foreign = await seedApplication(
    app,
    { accountId: elsewhere.id },
    { name: 'Foreign', permission: 'publish' },
  )
  const foreignGrant = await authorize(app, foreign.application, seed.admin)
  t.equal((await introspect(app, foreign.basic, foreignGrant.token)).json().active, true)
  t.equal((await introspect(app, foreign.basic, seed.grant.token)).body, INACTIVE)
})
