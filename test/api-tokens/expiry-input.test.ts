import t from 'tap'
import { apiClient, personalToken } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin } from '../helper.js'

const DAY = 86_400_000
const START = new Date('2026-06-01T12:00:00Z')

t.test(`expiry choices on the Tokens tab (${DATABASE_KIND})`, async (t) => {
  let now = START
  const month = 30 * 86_400
  const { app } = await build(t, { now: () => now, sessionIdleSeconds: month, sessionMaxSeconds: month })
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const expiryOf = async (name: string) =>
    (
      await app.db
        .selectFrom('tokens')
        .select('expires_at')
        .where('name', '=', name)
        .executeTakeFirstOrThrow()
    ).expires_at
  for (const days of [7, 30, 60, 90]) {
    const page = await browser.post('/developers/tokens', {
      name: `d${days}`,
      permission: 'browse',
      expires_in_days: String(days),
    })
    t.equal(page.statusCode, 200)
    t.same(await expiryOf(`d${days}`), new Date(START.getTime() + days * DAY), `${days} days`)
  }
  await browser.post('/developers/tokens', {
    name: 'dated',
    permission: 'browse',
    expires_in_days: 'date',
    expires_on: '2026-07-15',
  })
  t.same(await expiryOf('dated'), new Date('2026-07-15T00:00:00Z'), 'a date: when that day begins (UTC)')
  await browser.post('/developers/tokens', {
    name: 'forever',
    permission: 'browse',
    expires_in_days: 'never',
  })
  t.equal(await expiryOf('forever'), null, 'no expiry')

  const refusals: [Record<string, string>, string][] = [
    [{ expires_in_days: '45' }, 'expires_in_days must be 7, 30, 60, 90, date or never'],
    [{ expires_in_days: 'date' }, 'expires_on is required'],
    [{ expires_in_days: 'date', expires_on: '2026-05-01' }, 'expires_on must be a date in the future'],
    [{ expires_in_days: 'date', expires_on: '2026-02-30' }, 'expires_on must be a date written YYYY-MM-DD'],
    [{ expires_in_days: 'date', expires_on: 'soon' }, 'expires_on must be a date written YYYY-MM-DD'],
    [
      { expires_in_days: '30', expires_on: '2026-07-15' },
      'expires_on is used only with expires_in_days=date',
    ],
    [{ name: '   ' }, 'name must be 1 to 100 characters'],
    [{ permission: 'root' }, 'permission must be one of'],
  ]
  for (const [fields, message] of refusals) {
    const page = await browser.post('/developers/tokens', {
      name: 'refused',
      permission: 'browse',
      ...fields,
    })
    t.equal(page.statusCode, 400, JSON.stringify(fields))
    t.match(page.body, `class="problem" role="alert">${message}`)
  }
  t.equal(
    await app.db.selectFrom('tokens').select('id').where('name', '=', 'refused').executeTakeFirst(),
    undefined,
  )

  const tab = await browser.get('/developers/tokens')
  t.notMatch(tab.body, '(expired)')
  now = new Date(START.getTime() + 8 * DAY)
  t.match(
    (await browser.get('/developers/tokens')).body,
    '(expired)',
    'an expired token is marked on the tab',
  )
})

t.test('expiry and bad input on POST /api/v1/tokens: 400 naming the field, never 500', async (t) => {
  let now = START
  const { app } = await build(t, { now: () => now })
  const admin = await seedFirstAdmin(app)
  const call = apiClient(app, await personalToken(app, admin, 'admin'))
  const made = async (body: Record<string, unknown>) => {
    const response = await call('POST', '/api/v1/tokens', { name: 'x', permission: 'browse', ...body })
    t.equal(response.statusCode, 201, JSON.stringify(body))
    return response.json()
  }
  t.equal((await made({})).expires_at, null, 'no expiry by default')
  t.equal((await made({ expires_in_days: null })).expires_at, null)
  t.equal((await made({ expires_in_days: 1 })).expires_at, new Date(START.getTime() + DAY).toISOString())
  t.equal(
    (await made({ expires_in_days: 3650 })).expires_at,
    new Date(START.getTime() + 3650 * DAY).toISOString(),
  )
  t.equal((await made({ expires_on: '2026-12-24' })).expires_at, '2026-12-24T00:00:00.000Z')
  const week = await made({ name: 'week', expires_in_days: 7 })

  const cases: [Record<string, unknown>, RegExp][] = [
    [{ expires_in_days: 0 }, /expires_in_days/],
    [{ expires_in_days: 3651 }, /expires_in_days/],
    [{ expires_in_days: 1.5 }, /expires_in_days/],
    [{ expires_in_days: 'soon' }, /expires_in_days/],
    [{ expires_on: '2026-13-01' }, /expires_on/],
    [{ expires_on: '2026-05-31' }, /expires_on must be a date in the future/],
    [{ expires_on: '2046-01-01' }, /expires_on must be at most 3650 days ahead/],
    [{ expires_on: '2026-12-24', expires_in_days: 7 }, /expires_on cannot be combined with expires_in_days/],
    [{ name: '' }, /name/],
    [{ name: ' ' }, /^name must be 1 to 100 characters/],
    [{ name: 'n'.repeat(101) }, /name/],
    [{ permission: 'owner' }, /permission/],
    [{ permission: undefined }, /permission/],
  ]
  for (const [body, field] of cases) {
    const response = await call('POST', '/api/v1/tokens', { name: 'x', permission: 'browse', ...body })
    t.equal(response.statusCode, 400, JSON.stringify(body))
    t.match(response.json(), { statusCode: 400, error: 'Bad Request', message: field })
  }
  for (const url of ['/api/v1/tokens/abc', '/api/v1/tokens/0', '/api/v1/tokens/99999999999']) {
    const response = await call('DELETE', url)
    t.equal(response.statusCode, 400, url)
    t.match(response.json().message, /params\/id/)
  }

  const me = () => app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${week.token}` } })
  t.equal((await me()).statusCode, 200)
  now = new Date(START.getTime() + 7 * DAY)
  t.equal((await me()).statusCode, 401, 'a token stops working when it expires')
})
