import t from 'tap'
import { createApiToken } from '../../src/api-tokens/service.js'
import { AUDIT, postWithoutCsrf, XSS, XSS_ESCAPED } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin } from '../helper.js'

t.test(`a token name full of markup is escaped on the Tokens tab (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const pages = {
    created: await browser.post('/developers/tokens', {
      name: XSS,
      permission: 'browse',
      expires_in_days: '7',
    }),
    refused: await browser.post('/developers/tokens', {
      name: XSS,
      permission: 'browse',
      expires_in_days: '3',
    }),
    list: await browser.get('/developers/tokens'),
  }
  for (const [name, page] of Object.entries(pages)) {
    t.notMatch(page.body, XSS, `${name}: the raw markup never reaches the page`)
    t.match(page.body, XSS_ESCAPED, `${name}: the name is shown escaped`)
  }
  t.match(
    pages.list.body,
    `data-confirm="Revoke the token “${XSS_ESCAPED}”?`,
    'escaped inside attributes too',
  )
})

t.test('the Tokens tab’s forms refuse a request without a valid CSRF token', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const existing = await createApiToken(
    app.db,
    {
      accountId: admin.accountId,
      userId: admin.userId,
      name: 'keep me',
      permission: 'browse',
      expiresAt: null,
    },
    AUDIT,
  )
  const forms: [string, Record<string, string>][] = [
    ['/developers/tokens', { name: 'forged', permission: 'admin', expires_in_days: 'never' }],
    [`/developers/tokens/${existing.id}/revoke`, {}],
  ]
  for (const [url, fields] of forms) {
    const missing = await postWithoutCsrf(browser, url, fields)
    t.equal(missing.statusCode, 403, `${url} without a token`)
    t.match(missing.body, 'The form has expired or did not come from this site')
    t.notMatch(missing.body, /lkp_[0-9A-Za-z]{49}/, 'no token was minted and shown')
    t.equal((await browser.post(url, { ...fields, _csrf: 'forged' })).statusCode, 403, `${url} forged`)
  }
  const rows = await app.db.selectFrom('tokens').select(['name', 'revoked_at']).execute()
  t.same(rows, [{ name: 'keep me', revoked_at: null }], 'nothing was minted or revoked')
})
