import t from 'tap'
import { TestClock } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'
import { addPasskey, postJson } from './ceremony.js'
import { SoftAuthenticator } from './soft-authenticator.js'

// Adding, listing and removing passkeys (CONTRACT 9) through the JSON steps
// passkeys.js uses, with a software authenticator checked by the real verifier.

t.test(
  `registration options, adding, the list, CSRF and stale or reused challenges (${DATABASE_KIND})`,
  async (t) => {
    const clock = new TestClock()
    const { app } = await build(t, { now: clock.now })
    const admin = await seedFirstAdmin(app)
    const browser = await loginAs(app, admin)

    const options = await postJson(browser, '/settings/profile/passkeys/options', { name: 'Work laptop' })
    t.equal(options.statusCode, 200)
    t.equal(options.headers['cache-control'], 'no-store')
    const { options: creation } = options.json()
    t.match(creation, {
      rp: { id: 'localhost', name: 'Latchkey' },
      user: { name: admin.email, displayName: 'Ada Admin' },
      attestation: 'none',
      authenticatorSelection: {
        residentKey: 'required',
        requireResidentKey: true,
        userVerification: 'required',
      },
      excludeCredentials: [],
    })
    t.match(creation.challenge, /^[A-Za-z0-9_-]{20,}$/)
    const cookie = (options.cookies as { name: string; httpOnly?: boolean; maxAge?: number }[]).find(
      (c) => c.name === 'lk_passkey',
    )
    t.ok(cookie?.httpOnly, 'the challenge id is in an httpOnly cookie')
    t.equal(cookie?.maxAge, 300, 'for five minutes')
    const stored = await app.db.selectFrom('sign_in_challenges').selectAll().execute()
    t.equal(stored.length, 1)
    t.not(stored[0]?.id_hash, browser.cookies.get('lk_passkey'), 'only the hash of the id is stored')
    t.equal(stored[0]?.purpose, 'passkey_register')

    const laptop = new SoftAuthenticator()
    const answer = laptop.register(creation)
    const used = browser.cookies.get('lk_passkey') ?? ''
    const added = await postJson(browser, '/settings/profile/passkeys', {
      name: ' Work laptop ',
      response: answer,
    })
    t.equal(added.statusCode, 201, added.body)
    t.same(added.json(), { redirect: '/settings/profile/passkeys?notice=added' })
    t.notOk(browser.cookies.has('lk_passkey'), 'the challenge cookie is cleared')

    browser.cookies.set('lk_passkey', used)
    const reused = await postJson(browser, '/settings/profile/passkeys', { name: 'Again', response: answer })
    t.equal(reused.statusCode, 400, 'a used challenge is refused')
    t.match(reused.headers['content-type'], 'application/json')
    t.match(reused.json(), { statusCode: 400, message: /expired or was already used/ })

    const page = await browser.get('/settings/profile/passkeys?notice=added')
    t.equal(page.statusCode, 200)
    t.match(page.body, 'The passkey is added')
    t.match(page.body, /<td data-label="Name">Work laptop<\/td>/, 'listed under its trimmed name')
    t.match(page.body, /<td data-label="Last used" class="time">never<\/td>/)
    t.match(page.body, /<td data-label="Added" class="time">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/td>/)
    t.match(page.body, '<script type="module" src="/assets/passkeys.js"></script>')
    const events = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'passkey.added')
      .execute()
    t.same(
      events.map((e) => e.account_id),
      [null, admin.accountId],
      'audited in the person history and their account',
    )
    t.equal(events[0]?.amr, 'pwd', 'with the session amr')

    const again = await postJson(browser, '/settings/profile/passkeys/options', { name: 'Phone' })
    t.same(
      again.json().options.excludeCredentials.map((c: { id: string }) => c.id),
      [laptop.credentialId],
      'the person’s passkeys are excluded: one authenticator is not added twice',
    )
    t.equal(
      (await postJson(browser, '/settings/profile/passkeys/options', { name: '   ' })).statusCode,
      400,
      'a blank name is refused before the ceremony',
    )

    const stale = await postJson(browser, '/settings/profile/passkeys/options', { name: 'Phone' })
    clock.advance(301)
    const late = await postJson(browser, '/settings/profile/passkeys', {
      name: 'Phone',
      response: new SoftAuthenticator().register(stale.json().options),
    })
    t.equal(late.statusCode, 400, 'a challenge older than five minutes is refused')

    const fresh = await postJson(browser, '/settings/profile/passkeys/options', { name: 'Phone' })
    const elsewhere = new SoftAuthenticator().register(fresh.json().options, 'http://evil.example')
    const wrongOrigin = await postJson(browser, '/settings/profile/passkeys', {
      name: 'Phone',
      response: elsewhere,
    })
    t.equal(wrongOrigin.statusCode, 400, 'an answer made for another origin is refused')

    for (const [url, body] of [
      ['/settings/profile/passkeys/options', { name: 'x' }],
      ['/settings/profile/passkeys', { name: 'x', response: answer }],
      ['/login/passkey/options', {}],
      ['/login/passkey', { response: laptop.assert({ challenge: 'x' }) }],
    ] as const) {
      for (const csrf of [null, 'forged-token']) {
        const refused = await postJson(browser, url, body, csrf)
        t.equal(refused.statusCode, 403, `${url} without ${csrf ? 'a valid' : 'any'} CSRF token`)
        t.match(refused.json(), { statusCode: 403, error: 'Forbidden' }, 'answered in JSON')
      }
    }
    t.equal(
      await app.db
        .selectFrom('passkeys')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n)),
      1,
      'one passkey in all',
    )

    const anonymous = new Browser(app)
    const noSession = await postJson(anonymous, '/settings/profile/passkeys/options', { name: 'x' })
    t.equal(noSession.statusCode, 401, 'signed out: 401, no ceremony')
    t.equal((await anonymous.get('/settings/profile/passkeys')).statusCode, 303, 'the page sends to /login')
    const garbage = await postJson(browser, '/settings/profile/passkeys', {
      name: 'x',
      response: { id: '!!' },
    })
    t.equal(garbage.statusCode, 400, 'a malformed answer is a 400')
  },
)

t.test(`removing: the current password, one's own passkeys only (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const other = await seedUser(app, 'browse', { accountId: admin.accountId })
  const adminBrowser = await loginAs(app, admin)
  const otherBrowser = await loginAs(app, other)
  t.equal((await addPasskey(adminBrowser, new SoftAuthenticator(), 'Admin key')).statusCode, 201)
  t.equal((await addPasskey(otherBrowser, new SoftAuthenticator(), 'Other key')).statusCode, 201)
  const rows = await app.db.selectFrom('passkeys').select(['id', 'user_id']).orderBy('id').execute()
  const [adminKey, otherKey] = rows.map((r) => r.id)

  await otherBrowser.get('/settings/profile/passkeys')
  const foreign = await otherBrowser.post(`/settings/profile/passkeys/${adminKey}/remove`, {
    current_password: other.password,
  })
  t.equal(foreign.statusCode, 404, "another person's passkey is not found")
  const wrong = await otherBrowser.post(`/settings/profile/passkeys/${otherKey}/remove`, {
    current_password: 'not it',
  })
  t.equal(wrong.statusCode, 400, 'a wrong password is shown on the page')
  t.match(wrong.body, 'Your current password is not right.')
  t.equal((await app.db.selectFrom('passkeys').select('id').execute()).length, 2, 'nothing removed')

  const removed = await otherBrowser.post(`/settings/profile/passkeys/${otherKey}/remove`, {
    current_password: other.password,
  })
  t.equal(removed.statusCode, 303)
  t.equal(removed.headers.location, '/settings/profile/passkeys?notice=removed')
  t.same(
    (await app.db.selectFrom('passkeys').select('id').execute()).map((r) => r.id),
    [adminKey],
    "only that person's passkey is gone",
  )
  const event = await app.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'passkey.removed')
    .where('account_id', 'is', null)
    .executeTakeFirstOrThrow()
  t.equal(event.actor_user_id, other.userId)
  t.match(event.details, { passkey_id: otherKey, name: 'Other key' })
  const page = await otherBrowser.get('/settings/profile/passkeys?notice=removed')
  t.match(page.body, 'You have no passkeys yet.')
})
