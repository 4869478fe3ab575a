import t from 'tap'
import { revokeApiToken } from '../../src/api-tokens/service.js'
import { generateToken } from '../../src/tokens/format.js'
import { createVerifier, VerifierUnavailableError } from '../../src/verifier/index.js'
import { AUDIT, TestClock } from '../fixtures.js'
import { DATABASE_KIND } from '../helper.js'
import { introspect } from '../validation/fixtures.js'
import { Events, serve } from './harness.js'

t.test(`verify answers exactly what introspection answers (${DATABASE_KIND})`, async (t) => {
  const { app, seed, url } = await serve(t)
  const verifier = createVerifier({ url, serviceId: seed.service.id, serviceSecret: seed.service.secret })
  t.teardown(() => verifier.close())

  for (const token of [seed.grant.token, seed.personal.token]) {
    const expected = JSON.parse((await introspect(app, seed.serviceBasic, token)).body)
    t.same(await verifier.verify(token), expected, 'a token string')
    t.same(await verifier.verify({ authorization: `Bearer ${token}` }), expected, 'Authorization: Bearer')
    t.same(await verifier.verify({ token }), expected, 'token: header')
    t.same(
      await verifier.verify(new Headers({ authorization: `bearer ${token}` })),
      expected,
      'a WHATWG Headers',
    )
  }
  t.equal((await verifier.verify(seed.grant.token)).active, true)
  t.same(await verifier.verify(generateToken('personal')), { active: false }, 'unknown')
})

t.test(
  `garbage never reaches Latchkey; inactive answers are remembered briefly (${DATABASE_KIND})`,
  async (t) => {
    const { seed, url, proxy } = await serve(t)
    const clock = new TestClock()
    const events = new Events()
    const verifier = createVerifier({
      url,
      serviceId: seed.service.id,
      serviceSecret: seed.service.secret,
      now: clock.nowMs,
      onEvent: events.hook,
    })
    t.teardown(() => verifier.close())

    const good = seed.personal.token
    const badChecksum = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`
    for (const input of ['', 'lkp_short', badChecksum, 'x'.repeat(5000), {}, { authorization: 'Basic abc' }])
      t.same(await verifier.verify(input), { active: false })
    t.equal(proxy.count('/oauth/introspect'), 0, 'no network for malformed tokens')
    t.equal(events.count('malformed'), 6)

    const unknown = generateToken('application')
    t.same(await verifier.verify(unknown), { active: false })
    t.same(await verifier.verify(unknown), { active: false })
    t.equal(proxy.count('/oauth/introspect'), 1, 'the second inactive answer came from the negative cache')
    t.equal(events.count('negative_hit'), 1)
    clock.advance(6)
    t.same(await verifier.verify(unknown), { active: false })
    t.equal(proxy.count('/oauth/introspect'), 2, 'asked again after 5 s')
  },
)

t.test(`N concurrent verifies of one token make one introspection (${DATABASE_KIND})`, async (t) => {
  const { seed, url, proxy } = await serve(t)
  const verifier = createVerifier({ url, serviceId: seed.service.id, serviceSecret: seed.service.secret })
  t.teardown(() => verifier.close())
  const answers = await Promise.all(Array.from({ length: 50 }, () => verifier.verify(seed.grant.token)))
  t.ok(answers.every((answer) => answer.active && answer.permission === 'publish'))
  t.equal(proxy.count('/oauth/introspect'), 1, 'counted where Latchkey receives them')
})

t.test(
  `unreachable Latchkey or wrong credentials reject with VerifierUnavailableError (${DATABASE_KIND})`,
  async (t) => {
    const { seed, url, proxy, app } = await serve(t)
    const wrong = createVerifier({ url, serviceId: seed.service.id, serviceSecret: 'lks_wrong' })
    t.teardown(() => wrong.close())
    await t.rejects(wrong.verify(seed.grant.token), { name: 'VerifierUnavailableError', message: /401/ })

    const verifier = createVerifier({ url, serviceId: seed.service.id, serviceSecret: seed.service.secret })
    t.teardown(() => verifier.close())
    proxy.cut(true)
    const error = await verifier.verify(seed.grant.token).catch((e: unknown) => e)
    t.ok(error instanceof VerifierUnavailableError, 'a clear error, not an answer')
    t.match((error as Error).message, /could not answer/)
    proxy.restore()
    t.equal((await verifier.verify(seed.grant.token)).active, true, 'answers again once reachable')

    // Revoked while unreachable must not be answered from a stale cache when the stream is not up.
    await revokeApiToken(
      app.db,
      { accountId: seed.admin.accountId, tokenId: seed.personal.id, now: new Date() },
      AUDIT,
    )
    t.same(await verifier.verify(seed.personal.token), { active: false })
  },
)
