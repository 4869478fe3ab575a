import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { createApiToken } from '../../src/api-tokens/service.js'
import { publishInvalidation } from '../../src/invalidation/publish.js'
import { generateToken, hashToken, tokenHint } from '../../src/tokens/format.js'
import { upsertMembership } from '../../src/users/repo.js'
import { AUDIT, TestClock } from '../fixtures.js'
import { build, countQueries, DATABASE_KIND } from '../helper.js'
import { cacheLookups, seedValidation } from './fixtures.js'

/** Counts token lookups (the one query behind a cache miss). */
const countLookups = (app: FastifyInstance) => countQueries(app, /t\.token_hash = /)

async function mint(
  app: FastifyInstance,
  seed: { admin: { accountId: number; userId: number } },
  name = 'm',
) {
  return createApiToken(
    app.db,
    {
      accountId: seed.admin.accountId,
      userId: seed.admin.userId,
      name,
      permission: 'browse',
      expiresAt: null,
    },
    AUDIT,
  )
}

t.test(`hits, misses, unknown tokens and coalesced misses (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const seed = await seedValidation(app)
  const lookups = countLookups(app)

  t.equal((await app.tokens.validate(seed.personal.token)).active, true)
  t.equal((await app.tokens.validate(seed.personal.token)).active, true)
  t.equal(lookups(), 1, 'one query, then the cache')
  const cached = app.tokens.cache.peek(hashToken(seed.personal.token))
  t.ok(cached, 'keyed by the token hash')
  t.notOk(JSON.stringify(cached).includes(seed.personal.token.slice(4)), 'the cache does not hold the token')

  const unknown = generateToken('personal')
  for (let i = 0; i < 3; i++) t.same(await app.tokens.validate(unknown), { active: false, reason: 'unknown' })
  t.equal(lookups(), 2, 'an unknown well-formed token costs one query, then none')
  t.equal(await app.tokens.validate('lkp_malformed').then((r) => r.active), false)
  t.equal(lookups(), 2, 'a malformed token costs none')

  const fresh = await mint(app, seed, 'fresh')
  t.equal((await app.tokens.validate(fresh.token)).active, true, 'a new token works at once after all that')

  const burst = await mint(app, seed, 'burst')
  const before = lookups()
  const results = await Promise.all(Array.from({ length: 25 }, () => app.tokens.validate(burst.token)))
  t.ok(
    results.every((r) => r.active),
    '25 concurrent requests',
  )
  t.equal(lookups() - before, 1, 'share one query')
  t.match(await cacheLookups(app), { hit: Number, miss: Number, unknown_hit: 2 })
})

t.test(
  `a lookup that overlaps a change is not stored, and later ones do not join it (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const seed = await seedValidation(app)
    const lookups = countLookups(app)
    const overlapped = app.tokens.validate(seed.personal.token)
    app.invalidations.receive({ type: 'token', id: seed.personal.id })
    t.equal((await overlapped).active, true)
    t.equal(
      app.tokens.cache.peek(hashToken(seed.personal.token)),
      undefined,
      'the overlapping result was not kept',
    )

    const other = await mint(app, seed)
    const pending = app.tokens.validate(other.token)
    app.invalidations.receive({ type: 'token', id: other.id })
    const after = app.tokens.validate(other.token)
    t.equal((await pending).active, true)
    t.equal((await after).active, true)
    t.equal(lookups(), 3, 'a request after the change ran a query of its own instead of joining')
    t.ok(app.tokens.cache.peek(hashToken(other.token)), 'and its result was kept')

    app.invalidations.receive(undefined)
    t.same(
      app.tokens.cache.size,
      { records: 0, unknown: 0, access: 0 },
      'an unreadable notification drops everything',
    )
  },
)

t.test(`the cache is bounded in entries and in bytes (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t, {}, { tokenCache: { maxEntries: 3, unknownEntries: 2 } })
  const seed = await seedValidation(app)
  const tokens = [seed.personal, ...(await Promise.all([1, 2, 3, 4, 5].map((n) => mint(app, seed, `n${n}`))))]
  for (const token of tokens) t.equal((await app.tokens.validate(token.token)).active, true)
  for (let i = 0; i < 5; i++) await app.tokens.validate(generateToken('application'))
  t.same(app.tokens.cache.size, { records: 3, unknown: 2, access: 1 })

  const { app: small } = await build(t, {}, { tokenCache: { maxBytes: 1_500 } })
  const other = await seedValidation(small)
  for (const n of [1, 2, 3, 4, 5, 6]) await small.tokens.validate((await mint(small, other, `n${n}`)).token)
  const kept = small.tokens.cache.size.records
  t.ok(kept >= 1 && kept <= 3, `at most 1500 estimated bytes (${kept} records)`)
})

t.test(
  `unknown entries expire, so even a guessed hash minted later gets in (${DATABASE_KIND})`,
  async (t) => {
    const clock = new TestClock()
    const { app } = await build(t, { now: clock.now }, { tokenCache: { unknownTtlMs: 50 } })
    const seed = await seedValidation(app)
    const guessed = generateToken('personal')
    t.equal((await app.tokens.validate(guessed)).active, false)
    await app.db
      .insertInto('tokens')
      .values({
        kind: 'personal',
        token_hash: hashToken(guessed),
        hint: tokenHint(guessed),
        account_id: seed.admin.accountId,
        user_id: seed.admin.userId,
        permission: 'browse',
      })
      .execute()
    clock.advance(0.051) // the cache's lifetimes run on the configured clock
    t.equal((await app.tokens.validate(guessed)).active, true)
  },
)

t.test(
  `a user's access to an account is cached for all their tokens there, and invalidated (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const seed = await seedValidation(app)
    const accessQueries = countQueries(app, /WITH RECURSIVE chain/)
    const tokenQueries = countQueries(app, /t\.token_hash = /)
    const [first, second, third] = [
      await mint(app, seed, 'a'),
      await mint(app, seed, 'b'),
      await mint(app, seed, 'c'),
    ]
    t.equal((await app.tokens.validate(first.token)).active, true)
    t.equal((await app.tokens.validate(second.token)).active, true)
    t.equal(tokenQueries(), 2)
    t.equal(accessQueries(), 1, 'the second token of the same user and account needed no role query')
    t.match(await cacheLookups(app, 'access'), { hit: 1, miss: 1 })

    // Lower the admin to browse… then the third token, never seen, must get the new role.
    await app.db
      .updateTable('tokens')
      .set({ permission: 'admin' })
      .where('id', 'in', [first.id, second.id, third.id])
      .execute()
    await app.db.transaction().execute(async (trx) => {
      const change = { accountId: seed.admin.accountId, userId: seed.admin.userId }
      await upsertMembership(trx, { ...change, role: 'design' })
      await publishInvalidation(trx, { type: 'membership', ...change })
    })
    const validation = await app.tokens.validate(third.token)
    t.equal(
      validation.active && validation.principal.permission,
      'design',
      'the cached access went with the change',
    )
    t.equal(accessQueries(), 2)
  },
)
