import type { FastifyInstance } from 'fastify'
import { createLocalJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from 'jose'
import t from 'tap'
import { fromCli } from '../../src/audit/context.js'
import { ConflictError, NotFoundError } from '../../src/errors.js'
import { retireSigningKey, rotateSigningKey, signingKeySealer } from '../../src/oidc/keys-service.js'
import { KEY_REFRESH_MS, SigningKeys } from '../../src/oidc/signing-keys.js'
import { consentSetup } from '../consent/flow-helpers.js'
import { appWithCapturedLog, storedText, TestClock } from '../fixtures.js'
import { DATABASE_KIND, TEST_SECRET } from '../helper.js'
import { exchangeCode, obtainCode } from '../oauth/oauth-helpers.js'

// CONTRACT 10: keys made on first start, `keys rotate` signing everywhere within 60 s,
// old keys in the JWKS until retired, private keys only sealed.

const REDIRECT = 'https://app.example.com/cb'
const sealer = signingKeySealer([TEST_SECRET])

async function jwksOf(app: FastifyInstance): Promise<{ keys: JWK[] }> {
  return (await app.inject({ url: '/oauth/jwks' })).json()
}

t.test(`rotation, the 60 s refresh and retiring (${DATABASE_KIND})`, async (t) => {
  const clock = new TestClock()
  const { app, user, client, browser } = await consentSetup(t, { redirect_url: REDIRECT }, { now: clock.now })
  const idToken = async () => {
    const code = await obtainCode(browser, client.application, user.studioId, { scope: 'openid' })
    const response = await exchangeCode(app, client, code, REDIRECT)
    return response.json().id_token as string
  }
  const verify = async (token: string) =>
    jwtVerify(token, createLocalJWKSet(await jwksOf(app)), { currentDate: clock.now() })

  const first = await jwksOf(app)
  t.equal(first.keys.length, 1, 'one key made on first start')
  const jwksResponse = await app.inject({ url: '/oauth/jwks' })
  t.match(jwksResponse.headers['cache-control'], /^public, max-age=\d+$/)
  const firstKid = first.keys[0]?.kid
  t.same(Object.keys(first.keys[0] ?? {}).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'])
  t.notOk('d' in (first.keys[0] ?? {}), 'no private part in the JWKS')
  const oldToken = await idToken()
  t.equal(decodeProtectedHeader(oldToken).kid, firstKid)

  // The instance read the keys just now (this id token's signing); a rotation is not seen until 60 s later.
  const newKid = await rotateSigningKey(app.db, sealer, fromCli(clock.now()))
  t.not(newKid, firstKid)
  t.equal(
    decodeProtectedHeader(await idToken()).kid,
    firstKid,
    'within 60 s the instance may still sign with the old key',
  )
  clock.advance(KEY_REFRESH_MS / 1000)
  const newToken = await idToken()
  t.equal(decodeProtectedHeader(newToken).kid, newKid, 'after 60 s it signs with the new key')
  const both = await jwksOf(app)
  t.same(
    both.keys.map((key) => key.kid),
    [newKid, firstKid],
    'both keys are published, the signing one first',
  )
  t.equal((await verify(oldToken)).payload.sub, String(user.userId), 'an old id token still verifies')
  t.equal((await verify(newToken)).payload.sub, String(user.userId))

  await t.rejects(
    retireSigningKey(app.db, newKid, fromCli(clock.now())),
    new ConflictError(
      `${newKid} is the current signing key; run "latchkey keys rotate" first, then retire it.`,
    ),
    'the signing key cannot be retired',
  )
  await t.rejects(
    retireSigningKey(app.db, 'no-such-kid', fromCli(clock.now())),
    new NotFoundError('No unretired signing key no-such-kid.'),
  )
  await retireSigningKey(app.db, firstKid as string, fromCli(clock.now()))
  clock.advance(KEY_REFRESH_MS / 1000)
  t.same(
    (await jwksOf(app)).keys.map((key) => key.kid),
    [newKid],
    'a retired key leaves the JWKS',
  )
  await t.rejects(
    verify(oldToken),
    { code: 'ERR_JWKS_NO_MATCHING_KEY' },
    'and its id tokens no longer verify',
  )
  const events = await app.db
    .selectFrom('audit_events')
    .select(['action', 'target_id', 'actor_label'])
    .where('action', 'like', 'signing_key.%')
    .orderBy('id')
    .execute()
  t.same(events, [
    { action: 'signing_key.rotated', target_id: newKid, actor_label: 'cli' },
    { action: 'signing_key.retired', target_id: firstKid, actor_label: 'cli' },
  ])
})

t.test(
  `instances starting together make one key; it is stored and logged only sealed (${DATABASE_KIND})`,
  async (t) => {
    const { app, lines } = await appWithCapturedLog(t)
    await app.db.deleteFrom('signing_keys').execute()
    const instances = Array.from({ length: 4 }, () => new SigningKeys(app.db, sealer, () => new Date()))
    await Promise.all(instances.map((instance) => instance.start()))
    const rows = await app.db.selectFrom('signing_keys').selectAll().execute()
    t.equal(rows.length, 1, 'one key, whichever instance made it')
    const kids = await Promise.all(instances.map(async (instance) => (await instance.publicKeys())[0]?.kid))
    t.same(new Set(kids), new Set([rows[0]?.kid]), 'and every instance uses it')

    const row = rows[0]
    if (!row) throw new Error('no key')
    const privateJwk = JSON.parse(sealer.open(row.private_jwk_sealed)) as JWK
    t.type(privateJwk.d, 'string', 'the sealed value holds the private key')
    const d = privateJwk.d as string
    t.notOk(
      (await storedText(app, ['signing_keys', 'audit_events'])).some((value) => value.includes(d)),
      'the private key is nowhere in the database in clear',
    )
    await app.inject({ url: '/oauth/jwks' })
    await app.inject({ url: '/.well-known/openid-configuration' })
    t.ok(lines.length > 0, 'the log was captured')
    t.notOk(
      lines.some((line) => line.includes(d)),
      'nor in the log',
    )
    t.throws(() =>
      signingKeySealer(['another-secret-that-is-long-enough-0123456789']).open(row.private_jwk_sealed),
    )
  },
)
