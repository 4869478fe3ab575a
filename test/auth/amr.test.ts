import t from 'tap'
import { amrLabel } from '../../src/auth/amr.js'
import { personalToken, seedApplication } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin } from '../helper.js'

// CONTRACT 9: how each session signed in, on the sessions page, in the audit log
// (page and API) and on the consent page (test/account-security/policy.test.ts).

t.test('amr in words', async (t) => {
  t.equal(amrLabel('pwd'), 'password')
  t.equal(amrLabel('pwd otp'), 'password + authenticator code')
  t.equal(amrLabel('hwk'), 'passkey')
  t.equal(amrLabel('swk hwk'), 'passkey', 'said once')
  t.equal(amrLabel('pwd  kba'), 'password + kba', 'an unknown value as it is')
  t.equal(amrLabel(''), '')
})

t.test(
  `the sign-in method on the sessions page, the audit page and the API (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const admin = await seedFirstAdmin(app)
    const browser = await loginAs(app, admin)
    const second = await loginAs(app, admin)
    // The second browser signed in with a password and an authenticator code.
    await app.db
      .updateTable('sessions')
      .set({ amr: 'pwd otp' })
      .where('user_id', '=', admin.userId)
      .where('id', '=', (eb) => eb.selectFrom('sessions').select((s) => s.fn.max('id').as('m')))
      .execute()

    const sessions = await browser.get('/settings/profile/sessions')
    t.match(sessions.body, 'Signed in with')
    t.match(sessions.body, /data-label="Signed in with">password<\/td>/)
    t.match(sessions.body, /data-label="Signed in with">password \+ authenticator code<\/td>/)

    const { application } = await seedApplication(app, admin)
    t.equal((await second.post(`/developers/applications/${application.id}/delete`, {})).statusCode, 303)
    const audit = await browser.get('/settings/accounts/audit')
    t.match(audit.body, '(signed in with password + authenticator code)')

    const token = await personalToken(app, admin, 'admin')
    const api = await app.inject({
      url: '/api/v1/audit-events?action=application.deleted',
      headers: { authorization: `Bearer ${token}` },
    })
    t.equal(api.statusCode, 200)
    t.equal(api.json().events[0].amr, 'pwd otp', 'the raw RFC 8176 values')
    const created = await app.inject({
      url: '/api/v1/audit-events?action=application.created',
      headers: { authorization: `Bearer ${token}` },
    })
    t.equal(created.json().events[0].amr, '', 'empty outside a session')
  },
)
