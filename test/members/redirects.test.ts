import t from 'tap'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'

const USERS = '/settings/accounts/users'

t.test(`where a member change sends the viewer (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const second = await seedUser(app, 'admin', { accountId: admin.accountId })
  const member = await seedUser(app, 'publish', { accountId: admin.accountId })
  const browser = await loginAs(app, admin)

  const changed = await browser.post(`${USERS}/${member.userId}/role`, { role: 'design' })
  t.equal(changed.headers.location, `${USERS}?notice=changed`, 'another member: back to the page')
  t.match((await browser.get(changed.headers.location as string)).body, 'The role was changed.')
  const stillAdmin = await browser.post(`${USERS}/${admin.userId}/role`, { role: 'admin' })
  t.equal(stillAdmin.headers.location, `${USERS}?notice=changed`, 'oneself, still admin: back to the page')
  const refused = await browser.post(`${USERS}/${member.userId}/role`, { role: 'owner' })
  t.equal(refused.statusCode, 400, 'a refused change is the page with its problem')
  t.match(refused.body, 'role must be one of', 'the problem is shown on the Users page')
  const removed = await browser.post(`${USERS}/${member.userId}/remove`, {})
  t.equal(removed.headers.location, `${USERS}?notice=removed`, 'another member removed: back to the page')
  t.match((await browser.get(removed.headers.location as string)).body, 'The member was removed.')

  const selfRemoved = await (await loginAs(app, second)).post(`${USERS}/${second.userId}/remove`, {})
  t.equal(selfRemoved.statusCode, 303)
  t.equal(selfRemoved.headers.location, '/', 'oneself removed: home, the page is closed to them now')
})
