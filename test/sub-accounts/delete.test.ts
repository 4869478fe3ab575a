import t from 'tap'
import { createAccount, findAccount } from '../../src/accounts/repo.js'
import { insertApplication } from '../../src/applications/repo.js'
import { authorize, listenInvalidations, meSays, personalToken } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'

const SUBS = '/settings/accounts/sub-accounts'

t.test(`deleting a sub-account kills every token on it and below (${DATABASE_KIND})`, async (t) => {
  const { app, database } = await build(t)
  const admin = await seedFirstAdmin(app)
  const child = await createAccount(app.db, { name: 'Child', parentId: admin.accountId })
  const grandchild = await createAccount(app.db, { name: 'Grandchild', parentId: child.id })
  const sibling = await createAccount(app.db, { name: 'Sibling', parentId: admin.accountId })
  const member = await seedUser(app, 'publish', { accountId: grandchild.id })

  // An application registered in the child, authorized on the top account: its tokens die with it.
  const app1 = await insertApplication(app.db, {
    accountId: child.id,
    name: 'Child app',
    description: '',
    url: '',
    redirectUrls: [],
    permission: 'browse',
    clientSecretHash: 'x',
    createdBy: admin.userId,
  })
  const onTop = await authorize(app, app1, admin)
  const onGrandchild = await authorize(app, app1, { accountId: grandchild.id, userId: member.userId })
  const dying = {
    'admin token on the child': await personalToken(
      app,
      { userId: admin.userId, accountId: child.id },
      'admin',
    ),
    'admin token on the grandchild': await personalToken(
      app,
      { userId: admin.userId, accountId: grandchild.id },
      'admin',
    ),
    'member token on the grandchild': await personalToken(
      app,
      { userId: member.userId, accountId: grandchild.id },
      'publish',
    ),
    'application token on the grandchild': onGrandchild.token,
    'token of a child application, on the top account': onTop.token,
  }
  const living = {
    'token on the top account': await personalToken(
      app,
      { userId: admin.userId, accountId: admin.accountId },
      'admin',
    ),
    'token on a sibling': await personalToken(app, { userId: admin.userId, accountId: sibling.id }, 'design'),
  }
  for (const token of [...Object.values(dying), ...Object.values(living)])
    t.equal((await meSays(app, token)).status, 200)

  const browser = await loginAs(app, admin)
  const confirm = await browser.get(`${SUBS}/${child.id}/delete`)
  t.equal(confirm.statusCode, 200)
  t.match(confirm.body, '1 sub-account(s) below it')
  t.match(confirm.body, '1 membership(s)')
  t.match(confirm.body, '1 application(s)')
  t.match(confirm.body, '2 authorization(s)')
  t.match(confirm.body, '5 active token(s)')
  t.match(confirm.body, `action="${SUBS}/${child.id}/delete"`)

  const invalidations = await listenInvalidations(t, database)
  const deleted = await browser.post(`${SUBS}/${child.id}/delete`, {})
  t.equal(deleted.statusCode, 303)
  t.equal(deleted.headers.location, `${SUBS}?notice=deleted`)
  t.notOk(await findAccount(app.db, child.id))
  t.notOk(await findAccount(app.db, grandchild.id), 'descendants go too')
  for (const [what, token] of Object.entries(dying)) t.equal((await meSays(app, token)).status, 401, what)
  for (const [what, token] of Object.entries(living)) t.equal((await meSays(app, token)).status, 200, what)
  const left = await app.db
    .selectFrom('memberships')
    .select('account_id')
    .where('user_id', '=', member.userId)
    .execute()
  t.same(left, [], 'memberships on the deleted accounts are gone')
  t.same(
    await invalidations.settled(),
    [
      { type: 'account', id: child.id },
      { type: 'application', id: app1.id },
    ],
    'announced in the same transaction',
  )
  const event = await app.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'sub_account.deleted')
    .executeTakeFirstOrThrow()
  t.match(event, {
    account_id: admin.accountId,
    actor_user_id: admin.userId,
    target_type: 'account',
    target_id: String(child.id),
    details: {
      name: 'Child',
      account_ids: [child.id, grandchild.id],
      application_ids: [app1.id],
      live_tokens: 5,
    },
  })
  t.match((await browser.get(`${SUBS}?notice=deleted`)).body, 'deleted, with everything under it')
  t.equal(
    (await browser.post(`${SUBS}/${child.id}/delete`, {})).statusCode,
    404,
    'gone: a second delete is 404',
  )
})

t.test('an admin of a sub-account manages only what is below it', async (t) => {
  const { app } = await build(t)
  const top = await seedFirstAdmin(app)
  const child = await createAccount(app.db, { name: 'Child', parentId: top.accountId })
  const sibling = await createAccount(app.db, { name: 'Sibling', parentId: top.accountId })
  const childAdmin = await seedUser(app, 'admin', { accountId: child.id })
  const browser = await loginAs(app, childAdmin)
  t.equal((await browser.post(SUBS, { name: 'Team' })).statusCode, 303)
  const team = await app.db
    .selectFrom('accounts')
    .selectAll()
    .where('name', '=', 'Team')
    .executeTakeFirstOrThrow()
  t.equal(team.parent_id, child.id)
  t.equal((await browser.post(`${SUBS}/${sibling.id}/delete`, {})).statusCode, 404, 'not a sibling')
  t.equal(
    (await browser.post(`${SUBS}/${top.accountId}/rename`, { name: 'Mine' })).statusCode,
    404,
    'not the parent',
  )
  t.equal((await browser.post(SUBS, { name: 'Up', parent_id: top.accountId })).statusCode, 404)
  t.equal((await browser.post(`${SUBS}/${team.id}/delete`, {})).statusCode, 303)
  t.equal((await findAccount(app.db, top.accountId))?.name, 'Acme')
  t.ok(await findAccount(app.db, sibling.id))
})
