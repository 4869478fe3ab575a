import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { UNUSABLE_REDIRECT } from '../../src/consent/redirects.js'
import { apiClient, personalToken, seedApplication } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedUser } from '../helper.js'
import { verify } from '../validation/fixtures.js'
import { CLIENT_APP, consentFields, decide, openConsent } from './flow-helpers.js'

// Issue 11, item 10: redirect URLs were checked but stored raw; `€` or a newline
// passed the check, and the consent redirect then failed with a 500 exposing
// ERR_INVALID_CHAR, after a live token nobody received had been issued.

/** An application whose redirect URL was stored raw, as registration did before the fix. */
async function storedRaw(app: FastifyInstance, accountId: number, redirectUrl: string) {
  const seeded = await seedApplication(app, { accountId }, { ...CLIENT_APP })
  await app.db
    .updateTable('applications')
    .set({ redirect_urls: [redirectUrl] })
    .where('id', '=', seeded.application.id)
    .execute()
  return seeded
}

t.test(
  `redirect and home page URLs are stored as the URL parser serialises them (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const admin = await seedUser(app, 'admin', { newAccountName: 'Studio' })
    const call = apiClient(app, await personalToken(app, admin, 'admin'))
    const cases: [string, string][] = [
      ['https://app.example.com/€/cb?x=€', 'https://app.example.com/%E2%82%AC/cb?x=%E2%82%AC'],
      ['https://app.example.com/c\nb', 'https://app.example.com/cb'],
      ['https://app.example.com/cb\t', 'https://app.example.com/cb'],
      ['https://BÜCHER.example/cb', 'https://xn--bcher-kva.example/cb'],
      ['https://app.example.com', 'https://app.example.com/'],
      ['https://app.example.com/callback', 'https://app.example.com/callback'],
    ]
    for (const [given, stored] of cases) {
      const created = await call('POST', '/api/v1/applications', {
        name: `App ${JSON.stringify(given)}`,
        permission: 'browse',
        redirect_url: given,
        url: given,
      })
      t.equal(created.statusCode, 201, JSON.stringify(given))
      t.equal(
        created.json().redirect_url,
        stored,
        `redirect_url ${JSON.stringify(given)} is stored serialised`,
      )
      t.equal(created.json().url, stored, 'and so is the home page URL')
      const row = await app.db
        .selectFrom('applications')
        .select(['redirect_url', 'redirect_urls', 'url'])
        .where('id', '=', created.json().id)
        .executeTakeFirstOrThrow()
      t.same(row, { redirect_url: stored, redirect_urls: [stored], url: stored }, 'in the database too')
      const patched = await call('PATCH', `/api/v1/applications/${created.json().id}`, {
        redirect_url: `${given}€`,
      })
      t.equal(patched.statusCode, 200)
      t.notMatch(patched.json().redirect_url, /[^\x21-\x7e]/, 'a change is stored serialised as well')
    }
  },
)

t.test(
  `the consent redirect never fails: built before the token, never a 500 (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const user = await seedUser(app, 'design', { newAccountName: 'Studio' })
    const browser = await loginAs(app, user)
    const tokens = () => app.db.selectFrom('tokens').select('id').where('kind', '=', 'application').execute()

    // A URL stored raw before the fix (registration no longer stores one like it).
    const legacy = await storedRaw(app, user.accountId, 'https://app.example.com/€/cb\n')
    const fields = await openConsent(browser, `/authorize?app=${legacy.application.id}&state=s1`)
    const allowed = await decide(browser, fields, { decision: 'allow', account_id: String(user.accountId) })
    t.equal(
      allowed.statusCode,
      303,
      `allow redirects (answered ${allowed.statusCode}: ${allowed.statusCode === 303 ? '' : allowed.body.slice(0, 200)})`,
    )
    if (allowed.statusCode !== 303) return
    const location = new URL(String(allowed.headers.location))
    t.equal(
      `${location.origin}${location.pathname}`,
      'https://app.example.com/%E2%82%AC/cb',
      'to the serialised URL',
    )
    const token = location.searchParams.get('token') ?? ''
    t.equal((await verify(app, token)).statusCode, 200, 'with the token it issued')
    t.equal(location.searchParams.get('state'), 's1')

    // A stored URL that no longer passes the rules at all: a page, and no token.
    const broken = await storedRaw(app, user.accountId, 'https://app.example.com/€#fragment')
    const before = (await tokens()).length
    for (const decision of ['allow', 'deny']) {
      const page = await browser.get(`/authorize?app=${broken.application.id}&state=s2`)
      t.equal(page.statusCode, 200, 'the consent page opens')
      const answer = await decide(browser, consentFields(page.body), {
        decision,
        account_id: String(user.accountId),
      })
      t.equal(answer.statusCode, 400, `${decision}: a 400 page, not a 500`)
      t.notOk(answer.headers.location, `${decision}: no redirect`)
      t.match(answer.body, UNUSABLE_REDIRECT.slice(UNUSABLE_REDIRECT.indexOf('redirect URL'), 60), 'says why')
      t.notMatch(answer.body, /ERR_INVALID_CHAR/)
    }
    t.equal((await tokens()).length, before, 'no token was issued that nobody would receive')
    const authorizations = await app.db
      .selectFrom('authorizations')
      .select('id')
      .where('application_id', '=', broken.application.id)
      .execute()
    t.same(authorizations, [], 'nor an authorization')

    // The code flow's error redirects and its consent use the same URL.
    const oauth = await browser.get(`/oauth/authorize?response_type=token&client_id=${broken.application.id}`)
    t.equal(oauth.statusCode, 400, '/oauth/authorize: a page, not a 500')
    t.notOk(oauth.headers.location)
    const legacyOauth = await browser.get(
      `/oauth/authorize?response_type=token&client_id=${legacy.application.id}&state=z`,
    )
    t.equal(legacyOauth.statusCode, 302, 'an error redirect to a legacy URL works')
    t.match(
      String(legacyOauth.headers.location),
      /^https:\/\/app\.example\.com\/%E2%82%AC\/cb\?error=unsupported_response_type/,
    )
  },
)
