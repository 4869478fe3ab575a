import t from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { createApiToken, revokeApiToken } from '../../src/api-tokens/service.js'
import { deleteApplication, updateApplication } from '../../src/applications/service.js'
import { changeMemberRole, removeMember } from '../../src/members/service.js'
import { revokeService } from '../../src/service-credentials/service.js'
import { deleteSubAccount } from '../../src/sub-accounts/service.js'
import { setUserDisabled } from '../../src/users/disable.js'
import { AUDIT, authorize, seedApplication } from '../fixtures.js'
import { build, loginAs, seedFirstAdmin, seedUser } from '../helper.js'
import { introspect } from '../validation/fixtures.js'
import { invalidates, isReady, openStream, serviceBasic } from './stream-client.js'

// Every kind of change that narrows or kills a token comes out of the stream as
// the invalidation the protocol names, with an id, and only after it committed.
t.test('every kind of change produces its invalidate event', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const service = await serviceBasic(app)
  const stream = await openStream(t, app, service.basic)
  t.equal(stream.status, 200)
  t.match(stream.headers.get('content-type'), /^text\/event-stream/)
  t.equal(stream.headers.get('cache-control'), 'no-store')
  await stream.next(isReady)
  const db = app.db
  const now = () => new Date()
  const expect = async (name: string, change: object) => {
    const event = await stream.next(invalidates(change))
    t.ok(Number(event.id) > 0, `${name}: ${JSON.stringify(change)} with id ${event.id}`)
  }

  const token = await createApiToken(
    db,
    { accountId: admin.accountId, userId: admin.userId, name: 'ci', permission: 'browse', expiresAt: null },
    AUDIT,
  )
  await revokeApiToken(db, { accountId: admin.accountId, tokenId: token.id, now: now() }, AUDIT)
  await expect('API token revoked', { type: 'token', id: token.id })

  const revoked = await seedApplication(app, admin, { permission: 'publish' })
  const grant = await authorize(app, revoked.application, admin)
  const answer = JSON.parse((await introspect(app, service.basic, grant.token)).body)
  t.equal(answer.token_id, grant.tokenId, 'introspection names the token the events name')
  t.equal(answer.authorization_id, grant.authorizationId, 'and its authorization')
  const browser = await loginAs(app, admin)
  const page = await browser.post(`/settings/accounts/apps/${revoked.application.id}/revoke`, {})
  t.equal(page.statusCode, 303)
  await expect('authorization revoked on the Apps page', { type: 'authorization', id: grant.authorizationId })

  const deleted = await seedApplication(app, admin)
  await deleteApplication(db, { accountId: admin.accountId, id: deleted.application.id }, AUDIT)
  await expect('application deleted', { type: 'application', id: deleted.application.id })

  const lowered = await seedApplication(app, admin, { permission: 'publish' })
  await updateApplication(
    db,
    { accountId: admin.accountId, id: lowered.application.id, fields: { permission: 'browse' }, now: now() },
    AUDIT,
  )
  await expect("application's permission lowered", { type: 'application', id: lowered.application.id })

  const member = await seedUser(app, 'publish', { accountId: admin.accountId })
  const input = { accountId: admin.accountId, actorUserId: admin.userId, userId: member.userId }
  await changeMemberRole(db, { ...input, role: 'browse' }, AUDIT)
  await expect('role changed', { type: 'membership', accountId: admin.accountId, userId: member.userId })
  const membership = invalidates({ type: 'membership', accountId: admin.accountId, userId: member.userId })
  await removeMember(db, input, AUDIT)
  await stream.next(() => stream.events.filter(membership).length === 2)
  t.pass('member removed: a second membership event')

  const disabled = await seedUser(app, 'design', { accountId: admin.accountId })
  await setUserDisabled(db, { email: disabled.email, disabled: true }, AUDIT)
  await expect('user disabled', { type: 'user', id: disabled.userId })

  const child = await createAccount(db, { name: 'Doomed', parentId: admin.accountId })
  await deleteSubAccount(
    db,
    { rootId: admin.accountId, actorUserId: admin.userId, id: child.id, now: now() },
    AUDIT,
  )
  await expect('sub-account deleted', { type: 'account', id: child.id })

  const other = await serviceBasic(app, 'other')
  await revokeService(db, other.id, now())
  const last = await createApiToken(
    db,
    { accountId: admin.accountId, userId: admin.userId, name: 'last', permission: 'browse', expiresAt: null },
    AUDIT,
  )
  await revokeApiToken(db, { accountId: admin.accountId, tokenId: last.id, now: now() }, AUDIT)
  await expect('a change after the service revocation', { type: 'token', id: last.id })
  const ids = stream.events.filter((event) => event.id !== undefined).map((event) => Number(event.id))
  t.same(
    ids,
    [...ids].sort((a, b) => a - b),
    'one change at a time: ids increase',
  )
  t.notOk(
    stream.events.some((event) => JSON.stringify(event.data).includes('"service"')),
    'service and client_secret changes are not sent',
  )
})
