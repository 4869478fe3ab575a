import t from 'tap'
import { accessibleAccounts, createAccount, findAccount } from '../../src/accounts/repo.js'
import { ROLES, XSS, XSS_ESCAPED } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'

const SUBS = '/settings/accounts/sub-accounts'

t.test(`sub-accounts: only admins may see or change them (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const child = await createAccount(app.db, { name: 'Child', parentId: admin.accountId })
  for (const role of ROLES) {
    const seeded = role === 'admin' ? admin : await seedUser(app, role, { accountId: admin.accountId })
    const browser = await loginAs(app, seeded)
    const responses = {
      page: await browser.get(SUBS),
      create: await browser.post(SUBS, { name: `made by ${role}` }),
      rename: await browser.post(`${SUBS}/${child.id}/rename`, { name: `renamed by ${role}` }),
      confirm: await browser.get(`${SUBS}/${child.id}/delete`),
    }
    if (role !== 'admin') {
      for (const [what, response] of Object.entries(responses)) {
        t.equal(response.statusCode, 403, `${role}: ${what} refused`)
        t.match(response.body, 'Only Admin users can manage sub-accounts.')
      }
      t.equal((await browser.post(`${SUBS}/${child.id}/delete`, {})).statusCode, 403, `${role}: delete`)
      t.equal((await findAccount(app.db, child.id))?.name, 'Child', 'unchanged')
      continue
    }
    t.equal(responses.page.statusCode, 200)
    t.match(responses.page.body, 'Child')
    t.equal(responses.create.statusCode, 303)
    t.equal(responses.create.headers.location, `${SUBS}?notice=created`)
    t.equal(responses.rename.statusCode, 303)
    t.equal((await findAccount(app.db, child.id))?.name, 'renamed by admin')
    t.equal(responses.confirm.statusCode, 200)
    t.match(responses.confirm.body, 'cannot be undone')
    t.equal((await browser.post(`${SUBS}/${child.id}/delete`, {})).statusCode, 303)
    t.notOk(await findAccount(app.db, child.id), 'deleted')
  }
  const names = (await app.db.selectFrom('accounts').select('name').execute()).map((a) => a.name)
  t.same(names.sort(), ['Acme', 'made by admin'], 'only the admin created anything')
})

t.test('creating: under the current account or a descendant, no membership needed', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const other = await seedUser(app, 'admin', { newAccountName: 'Other' })
  const otherChild = await createAccount(app.db, { name: 'Other child', parentId: other.accountId })
  const browser = await loginAs(app, admin)

  t.equal((await browser.post(SUBS, { name: '  Europe  ' })).statusCode, 303)
  const europe = await app.db
    .selectFrom('accounts')
    .selectAll()
    .where('name', '=', 'Europe')
    .executeTakeFirstOrThrow()
  t.equal(europe.parent_id, admin.accountId, 'a child of the current account, name trimmed')
  const memberships = await app.db
    .selectFrom('memberships')
    .selectAll()
    .where('account_id', '=', europe.id)
    .execute()
  t.same(memberships, [], 'the creator gets no direct membership')
  t.match(
    (await accessibleAccounts(app.db, admin.userId)).find((a) => a.id === europe.id),
    { role: 'admin' },
    'their admin role is inherited',
  )

  t.equal((await browser.post(SUBS, { name: 'France', parent_id: europe.id })).statusCode, 303)
  const page = await browser.get(SUBS)
  t.match(page.body, /Europe[\s\S]*France/, 'the deeper tree is listed, parents first')
  t.match(page.body, 'indent-1', 'grandchildren are indented')

  for (const parent of [other.accountId, otherChild.id, 999_999]) {
    const crafted = await browser.post(SUBS, { name: 'Sneaky', parent_id: parent })
    t.equal(crafted.statusCode, 404, `no sub-account under ${parent}, which is not ours`)
  }
  t.equal(
    await app.db.selectFrom('accounts').select('id').where('name', '=', 'Sneaky').executeTakeFirst(),
    undefined,
  )
  const empty = await browser.post(SUBS, { name: '   ' })
  t.equal(empty.statusCode, 400)
  t.match(empty.body, 'name must be 1 to 200 characters')
  t.equal((await browser.post(SUBS, { name: 'x'.repeat(201) })).statusCode, 400)

  const events = await app.db
    .selectFrom('audit_events')
    .select(['account_id', 'action', 'target_id', 'details', 'actor_user_id'])
    .where('action', '=', 'sub_account.created')
    .orderBy('id')
    .execute()
  t.match(
    events,
    [
      {
        account_id: admin.accountId,
        target_id: String(europe.id),
        details: { name: 'Europe' },
        actor_user_id: admin.userId,
      },
      { account_id: europe.id, details: { name: 'France' } },
    ],
    'recorded on the parent account',
  )
})

t.test('renaming and deleting: only descendants of the current account', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const child = await createAccount(app.db, { name: 'Child', parentId: admin.accountId })
  const other = await seedUser(app, 'admin', { newAccountName: 'Other' })
  const otherChild = await createAccount(app.db, { name: 'Other child', parentId: other.accountId })
  const browser = await loginAs(app, admin)
  for (const id of [other.accountId, otherChild.id, admin.accountId]) {
    t.equal(
      (await browser.post(`${SUBS}/${id}/rename`, { name: 'Hijacked' })).statusCode,
      404,
      `rename ${id}`,
    )
    t.equal((await browser.get(`${SUBS}/${id}/delete`)).statusCode, 404, `confirm ${id}`)
    t.equal((await browser.post(`${SUBS}/${id}/delete`, {})).statusCode, 404, `delete ${id}`)
  }
  t.equal((await findAccount(app.db, other.accountId))?.name, 'Other')
  t.equal((await findAccount(app.db, otherChild.id))?.name, 'Other child')
  t.ok(await findAccount(app.db, admin.accountId), 'a top-level account cannot be deleted from here')

  await browser.post('/accounts/switch', { account_id: child.id })
  t.equal(
    (await browser.post(`${SUBS}/${child.id}/delete`, {})).statusCode,
    404,
    'nor the current account, even when it is a sub-account',
  )
  await browser.post('/accounts/switch', { account_id: admin.accountId })
  t.equal((await browser.post(`${SUBS}/${child.id}/rename`, { name: 'Renamed' })).statusCode, 303)
  const renamed = await app.db
    .selectFrom('audit_events')
    .select(['account_id', 'details'])
    .where('action', '=', 'sub_account.renamed')
    .executeTakeFirstOrThrow()
  t.same(renamed, { account_id: admin.accountId, details: { from: 'Child', to: 'Renamed' } })
  const blank = await browser.post(`${SUBS}/${child.id}/rename`, { name: '' })
  t.equal(blank.statusCode, 400)
  t.equal((await findAccount(app.db, child.id))?.name, 'Renamed')
})

t.test('sub-account forms: CSRF refused; names escaped on every page', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const child = await createAccount(app.db, { name: 'Child', parentId: admin.accountId })
  const browser = await loginAs(app, admin)
  for (const [url, fields] of [
    [SUBS, { name: 'Forged' }],
    [`${SUBS}/${child.id}/rename`, { name: 'Forged' }],
    [`${SUBS}/${child.id}/delete`, {}],
  ] as const) {
    for (const csrf of ['forged', '']) {
      const response = await browser.post(url, { ...fields, _csrf: csrf })
      t.equal(response.statusCode, 403, `${url} _csrf=${JSON.stringify(csrf)}`)
    }
  }
  t.equal((await findAccount(app.db, child.id))?.name, 'Child', 'neither renamed nor deleted')
  t.equal(
    await app.db.selectFrom('accounts').select('id').where('name', '=', 'Forged').executeTakeFirst(),
    undefined,
  )

  t.equal((await browser.post(SUBS, { name: XSS })).statusCode, 303)
  t.equal((await browser.post(SUBS, { name: `${XSS} grandchild`, parent_id: child.id })).statusCode, 303)
  const evil = await app.db
    .selectFrom('accounts')
    .select('id')
    .where('name', '=', XSS)
    .executeTakeFirstOrThrow()
  for (const url of [
    SUBS,
    `${SUBS}/${evil.id}/delete`,
    '/',
    '/settings/accounts/users',
    '/settings/accounts/audit',
  ]) {
    const page = await browser.get(url)
    t.equal(page.statusCode, 200, url)
    t.notMatch(page.body, XSS, `${url}: no raw script`)
    t.match(page.body, XSS_ESCAPED, `${url}: shown escaped`)
  }
})
