import t from 'tap'
import { createAccount } from '../../src/accounts/repo.js'
import { createApiToken, revokeApiToken } from '../../src/api-tokens/service.js'
import { deleteApplication, updateApplication } from '../../src/applications/service.js'
import { changeMemberRole, removeMember } from '../../src/members/service.js'
import { revokeService } from '../../src/service-credentials/service.js'
import { deleteSubAccount } from '../../src/sub-accounts/service.js'
import { logBounds } from '../../src/token-events/repo.js'
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
  const newestEventId = async () => (await logBounds(db, 0)).newest ?? 0
  // Several changes send the same event (a member added, then changed, then removed:
  // three times the same membership), and the stream may deliver them before the test
  // looks: so each change is awaited as the event after the newest one logged before it.
  const expect = async (name: string, change: object, make: () => Promise<unknown>) => {
    const before = await newestEventId()
    await make()
    const event = await stream.next((e) => invalidates(change)(e) && Number(e.id) > before)
    t.ok(Number(event.id) > before, `${name}: ${JSON.stringify(change)} with id ${event.id}`)
  }

  const token = await createApiToken(
    db,
    { accountId: admin.accountId, userId: admin.userId, name: 'ci', permission: 'browse', expiresAt: null },
    AUDIT,
  )
  await expect('API token revoked', { type: 'token', id: token.id }, () =>
    revokeApiToken(db, { accountId: admin.accountId, tokenId: token.id, now: now() }, AUDIT),
  )

  const revoked = await seedApplication(app, admin, { permission: 'publish' })
  const grant = await authorize(app, revoked.application, admin)
  const answer = JSON.parse((await introspect(app, service.basic, grant.token)).body)
  t.equal(answer.token_id, grant.tokenId, 'introspection names the token the events name')
  t.equal(answer.authorization_id, grant.authorizationId, 'and its authorization')
  const browser = await loginAs(app, admin)
  await expect(
    'authorization revoked on the Apps page',
    { type: 'authorization', id: grant.authorizationId },
    async () => {
      const page = await browser.post(`/settings/accounts/apps/${revoked.application.id}/revoke`, {})
      t.equal(page.statusCode, 303)
    },
  )

  const deleted = await seedApplication(app, admin)
  await expect('application deleted', { type: 'application', id: deleted.application.id }, () =>
    deleteApplication(db, { accountId: admin.accountId, id: deleted.application.id }, AUDIT),
  )

  const lowered = await seedApplication(app, admin, { permission: 'publish' })
  await expect("application's permission lowered", { type: 'application', id: lowered.application.id }, () =>
    updateApplication(
      db,
      {
        accountId: admin.accountId,
        id: lowered.application.id,
        fields: { permission: 'browse' },
        now: now(),
      },
      AUDIT,
    ),
  )

  const member = await seedUser(app, 'publish', { accountId: admin.accountId })
  const input = { accountId: admin.accountId, actorUserId: admin.userId, userId: member.userId }
  const membership = { type: 'membership', accountId: admin.accountId, userId: member.userId }
  await expect('role changed', membership, () => changeMemberRole(db, { ...input, role: 'browse' }, AUDIT))
  await expect('member removed', membership, () => removeMember(db, input, AUDIT))

  const disabled = await seedUser(app, 'design', { accountId: admin.accountId })
  await expect('user disabled', { type: 'user', id: disabled.userId }, () =>
    setUserDisabled(db, { email: disabled.email, disabled: true }, AUDIT),
  )

  const child = await createAccount(db, { name: 'Doomed', parentId: admin.accountId })
  await expect('sub-account deleted', { type: 'account', id: child.id }, () =>
    deleteSubAccount(
      db,
      { rootId: admin.accountId, actorUserId: admin.userId, id: child.id, now: now() },
      AUDIT,
    ),
  )

  const other = await serviceBasic(app, 'other')
  await revokeService(db, other.id, now())
  const last = await createApiToken(
    db,
    { accountId: admin.accountId, userId: admin.userId, name: 'last', permission: 'browse', expiresAt: null },
    AUDIT,
  )
  await expect('a change after the service revocation', { type: 'token', id: last.id }, () =>
    revokeApiToken(db, { accountId: admin.accountId, tokenId: last.id, now: now() }, AUDIT),
  )
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
