import t from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { upsertMembership } from '../../src/users/repo.js'
import { Browser, build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'

/** The current account as the header shows it: the selected option of the switcher. */
function currentAccount(body: string): number | undefined {
  const id = /<option value="(\d+)" selected>/.exec(body)?.[1]
  return id === undefined ? undefined : Number(id)
}

// Issue 11, item 4: after sign-in the current account is the one the person last
// used, so an account someone else added them to does not take over.
t.test(`sign-in lands on the last-used account while it is accessible (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app, 'First')
  const second = await createAccount(app.db, { name: 'Second' })
  await upsertMembership(app.db, { accountId: second.id, userId: admin.userId, role: 'browse' })

  const browser = await loginAs(app, admin)
  t.equal(
    currentAccount((await browser.get('/')).body),
    admin.accountId,
    'no last account yet: the first one',
  )
  const switched = await browser.post('/accounts/switch', { account_id: second.id })
  t.equal(switched.statusCode, 303)
  const row = await app.db
    .selectFrom('users')
    .select('last_account_id')
    .where('id', '=', admin.userId)
    .executeTakeFirstOrThrow()
  t.equal(row.last_account_id, second.id, 'switching stores the last-used account')

  const again = await loginAs(app, admin)
  t.equal(currentAccount((await again.get('/')).body), second.id, 'a new sign-in lands on it')

  // A newer account someone else adds the person to does not change where they land.
  const other = await seedUser(app, 'admin', { newAccountName: 'Elsewhere' })
  await upsertMembership(app.db, { accountId: other.accountId, userId: admin.userId, role: 'browse' })
  t.equal(currentAccount((await (await loginAs(app, admin)).get('/')).body), second.id)

  await app.db.deleteFrom('memberships').where('account_id', '=', second.id).execute()
  const fallback = await loginAs(app, admin)
  t.equal(
    currentAccount((await fallback.get('/')).body),
    admin.accountId,
    'no longer accessible: the first accessible account',
  )
})

t.test('a refused switch stores nothing', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const stranger = await seedUser(app, 'admin', { newAccountName: 'Stranger' })
  const browser = new Browser(app)
  await browser.login(admin.email)
  t.equal((await browser.post('/accounts/switch', { account_id: stranger.accountId })).statusCode, 404)
  const row = await app.db
    .selectFrom('users')
    .select('last_account_id')
    .where('id', '=', admin.userId)
    .executeTakeFirstOrThrow()
  t.equal(row.last_account_id, null)
})
