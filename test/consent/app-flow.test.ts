import t from 'tap'
import { deleteApplication } from '../../src/applications/repo.js'
import { seedApplication } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, PASSWORD, seedUser } from '../helper.js'
import {
  CLIENT_APP,
  consentFields,
  consentSetup,
  decide,
  locationParams,
  openConsent,
  seedClient,
} from './flow-helpers.js'
import { seedChooser } from './people.js'

// CONTRACT 4a, step by step.

t.test(`4a.1 unknown or deleted application: 404 page, no redirect (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const owner = await seedUser(app, 'admin', { newAccountName: 'Owner' })
  const { application } = await seedApplication(app, { accountId: owner.accountId }, { ...CLIENT_APP })
  const browser = await loginAs(app, owner)
  for (const url of ['/authorize?app=999999', '/authorize?app=abc', '/authorize']) {
    const page = await browser.get(url)
    t.equal(page.statusCode, 404, `${url} is 404`)
    t.notOk(page.headers.location, 'no redirect')
    t.match(page.headers['content-type'], /text\/html/, 'an HTML page')
  }
  await deleteApplication(app.db, owner.accountId, application.id)
  const deleted = await new Browser(app).get(`/authorize?app=${application.id}&state=s`)
  t.equal(deleted.statusCode, 404, 'a deleted application is 404, even before login')
  t.notOk(deleted.headers.location)
})

t.test(
  `4a.2 not logged in: 302 to /login?next=…, back to the same request after a failed login (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const user = await seedChooser(app)
    const { application } = await seedClient(app, user)
    const original = `/authorize?app=${application.id}&state=a%20b%26c`
    const browser = new Browser(app)
    const first = await browser.get(original)
    t.equal(first.statusCode, 302)
    t.equal(first.headers.location, `/login?next=${encodeURIComponent(original)}`)

    const login = await browser.get(String(first.headers.location))
    t.equal(login.statusCode, 200)
    t.match(
      login.body,
      `name="next" value="${original.replace(/&/g, '&amp;')}"`,
      'the login form carries next',
    )
    const failed = await browser.post('/login', {
      email: user.email,
      password: 'wrong password!',
      next: original,
    })
    t.equal(failed.statusCode, 401, 'a failed attempt first')
    t.match(
      failed.body,
      `name="next" value="${original.replace(/&/g, '&amp;')}"`,
      'next survives the failure',
    )
    const next = /name="next" value="([^"]*)"/.exec(failed.body)?.[1]?.replace(/&amp;/g, '&') ?? ''
    const signedIn = await browser.post('/login', { email: user.email, password: PASSWORD, next })
    t.equal(signedIn.statusCode, 303)
    t.equal(signedIn.headers.location, original, 'login returns to the same authorization request')

    const fields = await openConsent(browser, String(signedIn.headers.location))
    t.equal(fields.state, 'a b&c', 'state is still the one the application sent')
    const allowed = await decide(browser, fields, { decision: 'allow', account_id: String(user.studioId) })
    t.equal(allowed.statusCode, 303)
    t.equal(locationParams(allowed).get('state'), 'a b&c', 'and comes back to the application')
  },
)

t.test(
  `4a.3 consent page: application, permission in words, accounts with reasons (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const user = await seedChooser(app)
    const { application } = await seedApplication(
      app,
      { accountId: user.studioId },
      {
        ...CLIENT_APP,
        name: 'Print <Shop>',
        description: 'Prints your "designs" & more',
        url: 'https://print.example.com/about',
        redirect_url: 'https://callback.print.example.com/done',
        permission: 'design',
      },
    )
    const browser = await loginAs(app, user)
    const page = await browser.get(`/authorize?app=${application.id}`)
    t.equal(page.statusCode, 200)
    t.equal(page.headers['cache-control'], 'no-store')
    t.match(page.headers['content-security-policy'], "frame-ancestors 'none'", 'cannot be framed')
    t.equal(page.headers['x-frame-options'], 'DENY')
    t.match(page.body, 'Print &lt;Shop&gt;', 'name, escaped')
    t.match(page.body, 'Prints your &quot;designs&quot; &amp; more', 'description, escaped')
    t.match(page.body, 'href="https://print.example.com/about"', 'URL')
    t.match(page.body, 'callback.print.example.com', 'redirect host')
    t.match(page.body, 'read, and create applications', 'permission in plain words')
    t.match(
      page.body,
      /id="account-\d+" name="account_id" value="\d+" required checked/,
      'one account preselected',
    )
    t.equal(page.body.match(/ checked/g)?.length, 1, 'exactly one')
    t.match(page.body, `value="${user.studioId}" required checked`, 'the current account, being eligible')
    t.match(
      page.body,
      `value="${user.studioKidsId}" required>`,
      'the sub-account is eligible (inherited role)',
    )
    t.match(page.body, `value="${user.archiveId}" required disabled`, 'the browse account is disabled')
    t.match(page.body, 'Needs the design role; you have browse.', 'with the reason')
    t.match(page.body, /name="decision" value="allow">/, 'Allow')
    t.match(page.body, /name="decision" value="deny"/, 'Deny')
    t.match(page.body, /name="_csrf" value="[^"]+"/, 'CSRF token')
  },
)

t.test(`4a.3 no eligible account: only deny is possible (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const user = await seedUser(app, 'browse', { newAccountName: 'Readers' })
  const { application } = await seedApplication(
    app,
    { accountId: user.accountId },
    { ...CLIENT_APP, permission: 'publish' },
  )
  const browser = await loginAs(app, user)
  const page = await browser.get(`/authorize?app=${application.id}`)
  t.equal(page.statusCode, 200)
  t.match(page.body, 'name="decision" value="allow" disabled', 'Allow is disabled')
  t.notMatch(page.body, ' checked', 'nothing preselected')
  const crafted = await decide(browser, consentFields(page.body), {
    decision: 'allow',
    account_id: String(user.accountId),
  })
  t.equal(crafted.statusCode, 403, 'a crafted allow is refused')
  const denied = await decide(browser, consentFields(page.body), { decision: 'deny' })
  t.equal(denied.statusCode, 303)
  t.equal(locationParams(denied).get('error'), 'access_denied')
})

t.test(
  `4a.4 allow: 303 to the redirect URL with token, account_id, state; its own query kept (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const user = await seedChooser(app)
    const registered = 'https://app.example.com/cb?source=latch%20key&x=1'
    const { application } = await seedClient(app, user, { redirect_url: registered, permission: 'design' })
    const browser = await loginAs(app, user)
    const fields = await openConsent(browser, `/authorize?app=${application.id}&state=st-1`)
    const allowed = await decide(browser, fields, {
      decision: 'allow',
      account_id: String(user.studioKidsId),
    })
    t.equal(allowed.statusCode, 303)
    t.equal(allowed.headers['cache-control'], 'no-store')
    t.equal(allowed.headers['referrer-policy'], 'no-referrer')
    const location = String(allowed.headers.location)
    t.ok(location.startsWith(`${registered}&token=lka_`), 'the registered URL, its query kept verbatim')
    const params = locationParams(allowed)
    t.equal(params.get('source'), 'latch key')
    t.equal(params.get('x'), '1')
    t.equal(params.get('account_id'), String(user.studioKidsId))
    t.equal(params.get('state'), 'st-1')
    const token = String(params.get('token'))
    t.match(token, /^lka_[0-9A-Za-z]{49}$/)

    const me = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
    t.equal(me.statusCode, 200, 'the token works')
    t.equal(me.json().account.id, user.studioKidsId)
    t.equal(me.json().permission, 'design')
    t.equal(me.json().token.app_id, application.id)

    const stored = await app.db.selectFrom('tokens').select(['token_hash']).execute()
    t.equal(stored.length, 1)
    t.not(stored[0]?.token_hash, token, 'only a hash is stored')

    const again = await openConsent(browser, `/authorize?app=${application.id}`)
    const second = await decide(browser, again, { decision: 'allow', account_id: String(user.studioKidsId) })
    t.equal(second.statusCode, 303)
    t.notOk(locationParams(second).has('state'), 'no state when none was given')
    const authorizations = await app.db.selectFrom('authorizations').selectAll().execute()
    t.equal(authorizations.length, 1, 're-authorizing updates the one authorization')
    const audit = await app.db
      .selectFrom('audit_events')
      .select('action')
      .where('action', '=', 'application.authorized')
      .execute()
    t.equal(audit.length, 2, 'each authorization is audited')
  },
)

t.test(`4a.4 deny: 303 with error=access_denied and state, no token (${DATABASE_KIND})`, async (t) => {
  const { app, application, browser } = await consentSetup(t, {
    redirect_url: 'http://127.0.0.1:8123/cb?keep=me',
  })
  const fields = await openConsent(browser, `/authorize?app=${application.id}&state=s2`)
  const denied = await decide(browser, fields, { decision: 'deny' })
  t.equal(denied.statusCode, 303)
  t.equal(denied.headers.location, 'http://127.0.0.1:8123/cb?keep=me&error=access_denied&state=s2')
  const tokens = await app.db.selectFrom('tokens').selectAll().execute()
  t.equal(tokens.length, 0, 'no token')
  t.equal((await app.db.selectFrom('authorizations').selectAll().execute()).length, 0, 'no authorization')
})

t.test(
  `4a.4 without a redirect URL: the token on a no-store page, once; deny on a page (${DATABASE_KIND})`,
  async (t) => {
    const { app, user, application, browser } = await consentSetup(t, { redirect_url: '', name: 'Desk Tool' })
    const consent = await browser.get(`/authorize?app=${application.id}`)
    t.match(consent.body, 'the token will be shown to you', 'the consent page says where the token goes')
    const fields = consentFields(consent.body)
    const shown = await decide(browser, fields, { decision: 'allow', account_id: String(user.studioId) })
    t.equal(shown.statusCode, 200)
    t.equal(shown.headers['cache-control'], 'no-store')
    t.equal(shown.headers['referrer-policy'], 'no-referrer')
    const token = /id="token" type="text" readonly value="(lka_[0-9A-Za-z]{49})"/.exec(shown.body)?.[1]
    t.ok(token, 'the token is on the page')
    t.equal(shown.body.split(String(token)).length - 1, 1, 'exactly once')
    t.match(shown.body, 'data-copy="#token"', 'with a copy button')
    t.match(shown.body, 'shown only this once')
    t.match(shown.body, String(user.studioId), 'and the account id')
    const me = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
    t.equal(me.statusCode, 200, 'the token works')

    const again = await openConsent(browser, `/authorize?app=${application.id}`)
    const denied = await decide(browser, again, { decision: 'deny' })
    t.equal(denied.statusCode, 200)
    t.notOk(denied.headers.location)
    t.match(denied.body, 'Access denied')
    t.match(denied.body, 'Desk Tool')
  },
)
