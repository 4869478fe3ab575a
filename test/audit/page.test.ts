import t from 'tap'
import { ROLES, XSS, XSS_ESCAPED } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'
import { insertEvents } from './helpers.js'

const AUDIT = '/settings/accounts/audit'

/** The ids shown on a page, in order (from the target column "thing <id>" we insert, or any row). */
function rowCount(body: string): number {
  return (body.match(/<time datetime=/g) ?? []).length
}

t.test(`audit page: admins only; shows who, what, where and when (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  for (const role of ROLES.filter((r) => r !== 'admin')) {
    const browser = await loginAs(app, await seedUser(app, role, { accountId: admin.accountId }))
    const refused = await browser.get(AUDIT)
    t.equal(refused.statusCode, 403, role)
    t.match(refused.body, 'Only Admin users can see the audit log.')
  }
  const other = await seedUser(app, 'admin', { newAccountName: 'Other' })
  const otherBrowser = await loginAs(app, other)
  await otherBrowser.post('/settings/accounts/sub-accounts', { name: 'Secret project' })

  const browser = await loginAs(app, admin)
  await browser.post(
    '/settings/accounts/sub-accounts',
    { name: 'Visible project' },
    { 'user-agent': 'AuditAgent/1.0' },
  )
  const page = await browser.get(AUDIT)
  t.equal(page.statusCode, 200)
  t.match(page.body, 'sub_account.created')
  t.match(page.body, 'Visible project')
  t.match(page.body, 'AuditAgent/1.0', 'user agent')
  t.match(page.body, '127.0.0.1', 'IP')
  t.match(page.body, admin.email, 'actor')
  t.match(page.body, /<time datetime="\d{4}-\d\d-\d\dT/, 'time')
  t.notMatch(page.body, 'login.succeeded', 'sign-ins are in the person’s own history, not the account’s log')
  t.match(page.body, '<option value="user.created">', 'the action filter lists the actions seen here')
  t.notMatch(page.body, 'Secret project', 'another account’s events are not shown')
  t.notMatch(page.body, other.email)
  const table = page.body.slice(page.body.indexOf('<tbody>'))
  const newestFirst = table.indexOf('sub_account.created') < table.indexOf('setup.completed')
  t.ok(newestFirst, 'newest first')
})

t.test('audit page: filters by action, actor and dates', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  await insertEvents(app, admin.accountId, [
    { action: 'x.alpha', actor: 'ann@example.com', at: new Date('2026-03-01T10:00:00Z') },
    { action: 'x.beta', actor: 'bob@example.com', at: new Date('2026-03-02T23:59:00Z') },
    { action: 'x.alpha', actor: 'bob@example.com', at: new Date('2026-03-03T00:00:00Z') },
    { action: 'x.alpha', actor: '100%_real@example.com', at: new Date('2026-03-04T00:00:00Z') },
  ])
  const browser = await loginAs(app, admin)
  const count = async (query: string) => {
    const response = await browser.get(`${AUDIT}?${query}`)
    t.equal(response.statusCode, 200, query)
    return rowCount(response.body)
  }
  t.equal(await count('action=x.alpha'), 3)
  t.equal(await count('actor=BOB'), 2, 'actor: part of the label, any case')
  t.equal(await count('actor=bob&action=x.alpha'), 1)
  t.equal(await count('actor=%25_'), 1, 'LIKE wildcards are taken literally')
  t.equal(await count('from=2026-03-02&to=2026-03-03&action='), 2, 'dates are whole UTC days, to inclusive')
  t.equal(await count('from=2026-03-02T12:00:00Z&to=2026-03-03T00:00:00Z'), 1, 'date-times, to exclusive')
  t.equal(await count('action=nothing.like.this'), 0)
  const kept = await browser.get(`${AUDIT}?actor=bob&from=2026-03-01`)
  t.match(kept.body, 'value="bob"', 'the filter form keeps its values')
  t.match(kept.body, 'value="2026-03-01"')
  const bad = await browser.get(`${AUDIT}?from=yesterday`)
  t.equal(bad.statusCode, 400)
  t.match(bad.body, 'from must be a date (YYYY-MM-DD)')
  t.equal((await browser.get(`${AUDIT}?to=2026-02-30`)).statusCode, 400, 'not a real day')
})

t.test('audit page: pages of 50, older and newer, filters kept; text escaped', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  await insertEvents(
    app,
    admin.accountId,
    Array.from({ length: 118 }, (_, i) => ({ action: 'bulk.event', details: { n: i } })),
  )
  await insertEvents(app, admin.accountId, [
    { action: 'bulk.event', actor: XSS, userAgent: XSS, details: { name: XSS } },
  ])
  const first = await browser.get(`${AUDIT}?action=bulk.event`)
  t.equal(rowCount(first.body), 50)
  t.notMatch(first.body, XSS, 'actor, user agent and details escaped')
  t.match(first.body, XSS_ESCAPED)
  t.notMatch(first.body, 'Newer', 'no newer page on the first page')
  const older = /href="(\?[^"]*)" rel="next"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&')
  t.ok(older, 'an older link')
  t.match(older, 'action=bulk.event', 'keeps the filter')
  const second = await browser.get(`${AUDIT}${older}`)
  t.equal(rowCount(second.body), 50)
  t.match(second.body, '<dd>68</dd>', 'continues where the first page stopped (n=68 is the 51st newest)')
  t.notMatch(second.body, '<dd>69</dd>')
  const third = await browser.get(
    `${AUDIT}${/href="(\?[^"]*)" rel="next"/.exec(second.body)?.[1]?.replaceAll('&amp;', '&')}`,
  )
  t.equal(rowCount(third.body), 19, 'the rest')
  t.notMatch(third.body, 'rel="next"', 'no older page at the end')
  const back = /href="(\?[^"]*)" rel="prev"/.exec(third.body)?.[1]?.replaceAll('&amp;', '&')
  const secondAgain = await browser.get(`${AUDIT}${back}`)
  t.equal(rowCount(secondAgain.body), 50)
  t.match(secondAgain.body, '<dd>68</dd>', 'newer leads back to the same page')
  const firstAgain = await browser.get(
    `${AUDIT}${/href="(\?[^"]*)" rel="prev"/.exec(secondAgain.body)?.[1]?.replaceAll('&amp;', '&')}`,
  )
  t.match(firstAgain.body, XSS_ESCAPED, 'and then to the first page')
  t.equal((await browser.get(`${AUDIT}?before=abc`)).statusCode, 400)
})
