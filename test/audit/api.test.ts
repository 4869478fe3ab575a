import t from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { personalToken } from '../fixtures.js'
import { build, DATABASE_KIND, seedFirstAdmin, seedUser } from '../helper.js'
import { insertEvents } from './helpers.js'

t.test(`GET /api/v1/audit-events pages newest first by "before" (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const token = await personalToken(app, { userId: admin.userId, accountId: admin.accountId }, 'admin')
  await insertEvents(
    app,
    admin.accountId,
    Array.from({ length: 120 }, (_, i) => ({ details: { n: i } })),
  )
  const get = (query: string) =>
    app.inject({ url: `/api/v1/audit-events${query}`, headers: { authorization: `Bearer ${token}` } })

  const first = await get('?limit=50')
  t.equal(first.statusCode, 200)
  const body = first.json()
  t.equal(body.events.length, 50)
  t.same(Object.keys(body.events[0]).sort(), [
    'account_id',
    'action',
    'actor',
    'amr',
    'created_at',
    'details',
    'id',
    'ip',
    'target',
    'user_agent',
  ])
  t.match(body.events[0], {
    account_id: admin.accountId,
    actor: { user_id: null, label: 'someone@example.com' },
    action: 'test.event',
    target: { type: 'thing', id: '7' },
    ip: '203.0.113.9',
    user_agent: 'test-agent',
    details: { n: 119 },
  })
  t.match(body.events[0].created_at, /^\d{4}-\d\d-\d\dT.*Z$/)

  const all: { id: number }[] = [...body.events]
  let next = body.next_before
  let pages = 1
  while (next !== null) {
    const page = (await get(`?limit=50&before=${next}`)).json()
    all.push(...page.events)
    next = page.next_before
    pages += 1
  }
  const total = await app.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', admin.accountId)
    .executeTakeFirstOrThrow()
  t.equal(all.length, Number(total.n), 'every event exactly once (setup too)')
  t.equal(pages, 3)
  t.ok(
    all.every((e, i) => i === 0 || e.id < all[i - 1]!.id),
    'strictly newest first',
  )
  t.equal((await get('')).json().events.length, 50, 'the default limit is 50')

  await insertEvents(app, admin.accountId, [{ action: 'late.event' }])
  const stable = (await get(`?limit=50&before=${body.next_before}`)).json()
  t.equal(stable.events[0].details.n, 69, 'a page stays put while new events arrive')

  for (const [query, field] of [
    ['?limit=0', 'limit'],
    ['?limit=201', 'limit'],
    ['?before=abc', 'before'],
    ['?from=last-week', 'from'],
    ['?to=2026-13-01', 'to'],
  ] as const) {
    const bad = await get(query)
    t.equal(bad.statusCode, 400, query)
    t.equal(bad.json().error, 'Bad Request')
    t.match(bad.json().message, field, `the message names ${field}`)
  }
})

t.test('GET /api/v1/audit-events filters like the page', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const token = await personalToken(app, { userId: admin.userId, accountId: admin.accountId }, 'admin')
  await insertEvents(app, admin.accountId, [
    { action: 'x.alpha', actor: 'ann@example.com', at: new Date('2026-03-01T10:00:00Z') },
    { action: 'x.beta', actor: 'bob@example.com', at: new Date('2026-03-02T10:00:00Z') },
    { action: 'x.alpha', actor: 'bob@example.com', at: new Date('2026-03-03T10:00:00Z') },
  ])
  const actions = async (query: string) =>
    (await app.inject({ url: `/api/v1/audit-events${query}`, headers: { authorization: `Bearer ${token}` } }))
      .json()
      .events.map((e: { action: string; actor: { label: string } }) => `${e.action} ${e.actor.label}`)
  t.same(await actions('?action=x.alpha'), ['x.alpha bob@example.com', 'x.alpha ann@example.com'])
  t.same(await actions('?actor=bob&from=2026-03-03'), ['x.alpha bob@example.com'])
  t.same(await actions('?from=2026-03-01&to=2026-03-02'), [
    'x.beta bob@example.com',
    'x.alpha ann@example.com',
  ])
})

t.test('GET /api/v1/audit-events: admin only, and only the token’s account', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const child = await createAccount(app.db, { name: 'Child', parentId: admin.accountId })
  const other = await seedUser(app, 'admin', { newAccountName: 'Other' })
  const publisher = await seedUser(app, 'publish', { accountId: admin.accountId })
  const otherIds = await insertEvents(app, other.accountId, [
    { action: 'other.secret' },
    { action: 'other.secret' },
  ])
  await insertEvents(app, child.id, [{ action: 'child.event' }])
  const ownIds = await insertEvents(app, admin.accountId, [{ action: 'own.event' }])

  const call = (token: string, query = '') =>
    app.inject({ url: `/api/v1/audit-events${query}`, headers: { authorization: `Bearer ${token}` } })
  for (const [who, token] of [
    [
      'an admin’s browse token',
      await personalToken(app, { userId: admin.userId, accountId: admin.accountId }, 'browse'),
    ],
    [
      'a publisher’s token',
      await personalToken(app, { userId: publisher.userId, accountId: admin.accountId }, 'publish'),
    ],
  ] as const) {
    const refused = await call(token)
    t.equal(refused.statusCode, 403, who)
    t.match(refused.json(), { statusCode: 403, error: 'Insufficient Permission', required: 'admin' })
  }
  t.equal((await app.inject({ url: '/api/v1/audit-events' })).statusCode, 401, 'no token')

  const adminToken = await personalToken(app, { userId: admin.userId, accountId: admin.accountId }, 'admin')
  const events = (await call(adminToken, '?limit=200')).json().events as {
    id: number
    action: string
    account_id: number
  }[]
  t.ok(events.some((e) => e.id === ownIds[0]))
  t.ok(
    events.every((e) => e.account_id === admin.accountId),
    'only this account',
  )
  t.notOk(events.some((e) => otherIds.includes(e.id) || e.action === 'child.event'))
  const crafted = (await call(adminToken, `?before=${otherIds[1]! + 1}&action=other.secret`)).json()
  t.same(crafted, { events: [], next_before: null }, 'another account’s ids lead nowhere')

  const childToken = await personalToken(app, { userId: admin.userId, accountId: child.id }, 'admin')
  const childEvents = (await call(childToken)).json().events as { action: string }[]
  t.ok(
    childEvents.some((e) => e.action === 'child.event'),
    'a token on the sub-account sees its log',
  )
  t.notOk(childEvents.some((e) => e.action === 'own.event'))
})
