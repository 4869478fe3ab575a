import t from 'tap'
import { accessibleAccounts, createAccount, effectiveRole } from '../../src/accounts/repo.js'
import { upsertMembership } from '../../src/users/repo.js'
import { Browser, build, DATABASE_KIND, seedFirstAdmin, seedUser } from '../helper.js'

t.test(`effective role: a role on an account holds on its sub-accounts (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const child = await createAccount(app.db, { name: 'Child', parentId: admin.accountId })
  const grandchild = await createAccount(app.db, { name: 'Grandchild', parentId: child.id })
  const sibling = await createAccount(app.db, { name: 'Elsewhere' })

  const designer = await seedUser(app, 'design', { accountId: admin.accountId })
  t.equal(await effectiveRole(app.db, designer.userId, grandchild.id), 'design', 'inherited two levels down')
  t.equal(
    await effectiveRole(app.db, designer.userId, sibling.id),
    undefined,
    'nothing on an unrelated account',
  )

  await upsertMembership(app.db, { accountId: child.id, userId: designer.userId, role: 'publish' })
  t.equal(
    await effectiveRole(app.db, designer.userId, child.id),
    'publish',
    'the higher role on the sub-account wins',
  )
  t.equal(await effectiveRole(app.db, designer.userId, grandchild.id), 'publish')
  t.equal(
    await effectiveRole(app.db, designer.userId, admin.accountId),
    'design',
    'a sub-account role does not climb up',
  )

  const browseOnChild = await seedUser(app, 'browse', { accountId: child.id })
  await upsertMembership(app.db, { accountId: admin.accountId, userId: browseOnChild.userId, role: 'admin' })
  t.equal(
    await effectiveRole(app.db, browseOnChild.userId, child.id),
    'admin',
    'the highest of own and ancestor roles',
  )

  const accounts = await accessibleAccounts(app.db, designer.userId)
  t.same(
    accounts.map((a) => [a.name, a.role]),
    [
      ['Acme', 'design'],
      ['Child', 'publish'],
      ['Grandchild', 'publish'],
    ],
  )
  await app.db
    .updateTable('users')
    .set({ disabled_at: new Date() })
    .where('id', '=', designer.userId)
    .execute()
  t.equal(await effectiveRole(app.db, designer.userId, child.id), undefined, 'a disabled user has no role')
})

t.test('switching the current account', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const child = await createAccount(app.db, { name: 'Child Co', parentId: admin.accountId })
  const stranger = await createAccount(app.db, { name: 'Stranger Inc' })
  const browser = new Browser(app)
  await browser.login(admin.email)
  const home = await browser.get('/')
  t.match(home.body, 'name="account_id"', 'the switcher is shown with several accounts')
  t.notMatch(home.body, 'Stranger Inc', 'only accessible accounts are listed')

  const switched = await browser.post('/accounts/switch', { account_id: child.id })
  t.equal(switched.statusCode, 303)
  t.match((await browser.get('/')).body, /working in <strong>Child Co<\/strong>/)

  const refused = await browser.post('/accounts/switch', { account_id: stranger.id })
  t.equal(refused.statusCode, 404, 'an account the user cannot act on is not found')
  t.match((await browser.get('/')).body, /working in <strong>Child Co<\/strong>/, 'unchanged')
  const nonsense = await browser.post('/accounts/switch', { account_id: 'abc' })
  t.equal(nonsense.statusCode, 404)
})
