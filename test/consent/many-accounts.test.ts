import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import t from 'tap'
import { ACCOUNTS_PER_PAGE } from '../../src/consent/account-choice.js'
import { DATABASE_KIND, seedUser } from '../helper.js'
import { authorizeUrl, pkcePair } from '../oauth/oauth-helpers.js'
import { consentFields, consentSetup, decide, locationParams, openConsent } from './flow-helpers.js'

// Issue 11, item 6: the consent ticket listed every choosable account and was
// capped at 8 000 characters, so from ~830 accounts on Allow and Deny both
// answered 400. These people have 2 000 more accounts than the chooser's three.
const BULK = 2000

/** BULK accounts named "Bulk 0001"…, each with a design membership for the user, in one statement. */
async function giveManyAccounts(
  app: FastifyInstance,
  userId: number,
): Promise<{ first: number; last: number }> {
  await sql`
    WITH made AS (
      INSERT INTO accounts (name)
      SELECT 'Bulk ' || lpad(g::text, 4, '0') FROM generate_series(1, ${BULK}) AS g
      RETURNING id
    )
    INSERT INTO memberships (account_id, user_id, role)
    SELECT id, ${userId}, 'design' FROM made`.execute(app.db)
  const { rows } = await sql<{ first: number; last: number }>`
    SELECT min(id) AS first, max(id) AS last FROM accounts WHERE name LIKE 'Bulk %'`.execute(app.db)
  const row = rows[0]
  if (!row) throw new Error('no bulk accounts')
  return { first: Number(row.first), last: Number(row.last) }
}

const radios = (html: string): string[] =>
  [...html.matchAll(/<input type="radio" id="account-(\d+)"/g)].map((m) => m[1] as string)

async function tokensOn(app: FastifyInstance, accountId: number): Promise<number> {
  const rows = await app.db.selectFrom('tokens').select('id').where('account_id', '=', accountId).execute()
  return rows.length
}

t.test(`consent works for a person with ${BULK} accounts (${DATABASE_KIND})`, async (t) => {
  const { app, user, application, browser } = await consentSetup(t)
  const { first, last } = await giveManyAccounts(app, user.userId)
  const stranger = await seedUser(app, 'admin', { newAccountName: 'Not Yours' })
  const url = `/authorize?app=${application.id}&state=many`

  const page = await browser.get(url)
  t.equal(page.statusCode, 200, 'the consent page opens')
  t.ok(page.body.length < 60_000, `the page stays small (${page.body.length} bytes)`)
  const shown = radios(page.body)
  t.equal(shown.length, ACCOUNTS_PER_PAGE, 'one page of accounts')
  t.equal(shown[0], String(user.studioId), 'the current account comes first, preselected')
  t.match(page.body, `Find one of your ${BULK + 3} accounts by name or id`, 'a search box for the rest')
  t.notMatch(page.body, 'action="/accounts/switch"', 'the header does not list every account either')
  const fields = consentFields(page.body)
  t.ok(String(fields.ticket).length < 1000, `the ticket stays small (${String(fields.ticket).length})`)

  const next = /<a href="([^"]+)" rel="next">/.exec(page.body)?.[1]?.replace(/&amp;/g, '&')
  t.ok(next, 'a link to more accounts')
  const second = await browser.get(String(next))
  t.equal(second.statusCode, 200)
  t.match(String(next), `app=${application.id}`, 'the next page is the same request')
  t.match(String(next), 'state=many')
  t.notSame(radios(second.body), shown, 'the next page shows other accounts')

  const found = await browser.get(`${url}&q=${encodeURIComponent(`Bulk ${BULK}`)}`)
  t.same(radios(found.body), [String(last)], 'the search finds the last account by name')
  t.match(found.body, `value="Bulk ${BULK}"`, 'the search is kept in its box')
  t.match(found.body, '<input type="hidden" name="app"', 'the search form carries the request')
  const byId = await browser.get(`${url}&q=${first}`)
  t.same(radios(byId.body), [String(first)], 'and an account by its id')

  const foreign = await decide(browser, fields, { decision: 'allow', account_id: String(stranger.accountId) })
  t.equal(foreign.statusCode, 403, 'an account the person is not a member of is refused')
  t.equal(await tokensOn(app, stranger.accountId), 0, 'and gets no token')

  const body = new URLSearchParams({ ...fields, decision: 'allow', account_id: String(last) }).toString()
  t.ok(body.length < 2000, `the consent POST stays small (${body.length} bytes)`)
  const allowed = await decide(browser, fields, { decision: 'allow', account_id: String(last) })
  t.equal(allowed.statusCode, 303, 'Allow on the last of the accounts works')
  t.equal(locationParams(allowed).get('account_id'), String(last))
  t.equal(await tokensOn(app, last), 1, 'the token acts on that account')

  const again = await openConsent(browser, url)
  const denied = await decide(browser, again, { decision: 'deny' })
  t.equal(denied.statusCode, 303, 'Deny works too')
  t.equal(locationParams(denied).get('error'), 'access_denied')
})

t.test(`the code flow works for a person with ${BULK} accounts (${DATABASE_KIND})`, async (t) => {
  const { app, user, application, browser } = await consentSetup(t)
  const { last } = await giveManyAccounts(app, user.userId)
  const url = authorizeUrl(application, {
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    state: 'many',
  })
  const page = await browser.get(`${url}&q=${last}`)
  t.equal(page.statusCode, 200)
  t.same(radios(page.body), [String(last)], 'the search works on /oauth/authorize too')
  t.match(page.body, '<input type="hidden" name="code_challenge"', 'and carries the OAuth request')
  const allowed = await decide(browser, consentFields(page.body), {
    decision: 'allow',
    account_id: String(last),
  })
  t.equal(allowed.statusCode, 303)
  t.match(locationParams(allowed).get('code'), /^[A-Za-z0-9_-]{43}$/, 'a code for the last account')
  const codes = await app.db.selectFrom('authorization_codes').select('account_id').execute()
  t.same(
    codes.map((c) => c.account_id),
    [last],
  )
})
