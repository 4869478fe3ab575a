import t from 'tap'
import { userHandleText } from '../../src/passkeys/user-handle.js'
import { Browser, build, DATABASE_KIND, loginAs, seedFirstAdmin } from '../helper.js'
import { addPasskey, postJson, signInWithPasskey } from './ceremony.js'
import { SoftAuthenticator } from './soft-authenticator.js'

// "Sign in with a passkey" on /login (CONTRACT 9): no email typed, the session's
// amr, the sign counter, throttling, and an IP-address PUBLIC_URL.

const sessionsOf = (app: Awaited<ReturnType<typeof build>>['app'], userId: number) =>
  app.db.selectFrom('sessions').select(['amr', 'current_account_id']).where('user_id', '=', userId).execute()

t.test(`a passkey signs in without a password, with its amr (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const device = new SoftAuthenticator()
  const synced = new SoftAuthenticator(undefined, undefined, true)
  const owner = await loginAs(app, admin)
  t.equal((await addPasskey(owner, device, 'Laptop')).statusCode, 201)
  t.equal((await addPasskey(owner, synced, 'Phone')).statusCode, 201)
  await app.db.deleteFrom('sessions').execute()

  const login = await new Browser(app).get('/login')
  t.match(login.body, 'Sign in with a passkey', 'the sign-in page offers it')
  t.match(login.body, '<script type="module" src="/assets/passkeys.js"></script>')

  const visitor = new Browser(app)
  await visitor.get('/login')
  const options = await postJson(visitor, '/login/passkey/options', { next: '/developers/tokens' })
  t.equal(options.statusCode, 200)
  const request = options.json().options
  t.match(request, { rpId: 'localhost', userVerification: 'required' })
  t.notOk(
    request.allowCredentials?.length,
    'no credentials listed: a discoverable credential names its owner',
  )
  const answer = await postJson(visitor, '/login/passkey', { response: device.assert(request) })
  t.equal(answer.statusCode, 200, answer.body)
  t.same(answer.json(), { redirect: '/developers/tokens' }, 'on to ?next=')
  t.ok(visitor.cookies.has('lk_session'), 'signed in')
  t.equal((await visitor.get('/developers/tokens')).statusCode, 200, 'the session opens pages')
  t.same(await sessionsOf(app, admin.userId), [{ amr: 'hwk', current_account_id: admin.accountId }])
  const row = await app.db
    .selectFrom('passkeys')
    .select(['sign_count', 'last_used_at'])
    .where('credential_id', '=', device.credentialId)
    .executeTakeFirstOrThrow()
  t.equal(row.sign_count, 1, 'the sign counter is kept')
  t.ok(row.last_used_at, 'and the last use')
  const success = await app.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'login.succeeded')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow()
  t.match(success, { actor_user_id: admin.userId, amr: 'hwk', account_id: null }, 'audited with its amr')
  t.match(success.details, { method: 'passkey' })

  const phone = new Browser(app)
  await phone.get('/login')
  const offsite = await signInWithPasskey(phone, synced, {}, 'https://evil.example/')
  t.same(offsite.json(), { redirect: '/' }, '?next= off the site falls back to /')
  t.ok(
    (await sessionsOf(app, admin.userId)).some((s) => s.amr === 'swk'),
    'a synced passkey signs in as swk',
  )

  const replay = new Browser(app)
  await replay.get('/login')
  const challenge = await postJson(replay, '/login/passkey', {})
  t.equal(challenge.statusCode, 400, 'no answer: 400')
  const noChallenge = await postJson(replay, '/login/passkey', {
    response: device.assert({ challenge: 'made-up' }),
  })
  t.equal(noChallenge.statusCode, 401, 'no challenge cookie: refused')
  t.match(noChallenge.json(), { statusCode: 401, message: /could not sign you in/ })
  const signed = (await postJson(replay, '/login/passkey/options', {})).json().options
  const cookie = replay.cookies.get('lk_passkey') ?? ''
  const signedAnswer = device.assert(signed)
  t.equal((await postJson(replay, '/login/passkey', { response: signedAnswer })).statusCode, 200)
  replay.cookies.delete('lk_session')
  replay.cookies.set('lk_passkey', cookie)
  const again = await postJson(replay, '/login/passkey', { response: signedAnswer })
  t.equal(again.statusCode, 401, 'the same answer and challenge a second time: refused')

  const backwards = new Browser(app)
  await backwards.get('/login')
  const cloned = await signInWithPasskey(backwards, device, { counter: 1 })
  t.equal(cloned.statusCode, 401, 'a sign counter that goes backwards is refused')
  t.notOk(backwards.cookies.has('lk_session'))
  const refused = await app.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'passkey.sign_count_refused')
    .executeTakeFirstOrThrow()
  t.match(refused, { actor_user_id: admin.userId, account_id: null })
  t.match(refused.details, { stored: 3, presented: 1 })
  t.equal(
    (await signInWithPasskey(backwards, device, { counter: 4 })).statusCode,
    200,
    'the real one goes on',
  )

  const stranger = new Browser(app)
  await stranger.get('/login')
  const handle = await signInWithPasskey(stranger, device, { userHandle: userHandleText(admin.userId + 1) })
  t.equal(handle.statusCode, 401, "a user handle that is not the credential owner's is refused")
  const unknown = await signInWithPasskey(stranger, new SoftAuthenticator())
  t.equal(unknown.statusCode, 401, 'an unknown credential is refused')
  const elsewhere = await signInWithPasskey(stranger, device, { origin: 'http://evil.example' })
  t.equal(elsewhere.statusCode, 401, 'an assertion made for another origin is refused')
  const failures = await app.db
    .selectFrom('audit_events')
    .select('details')
    .where('action', '=', 'login.failed')
    .execute()
  t.ok(failures.length >= 4, 'failures are audited')

  // Removing the passkey ends what it can do.
  const keys = await app.db.selectFrom('passkeys').select(['id', 'credential_id']).execute()
  const laptopId = keys.find((k) => k.credential_id === device.credentialId)?.id
  await owner.login(admin.email)
  await owner.get('/settings/profile/passkeys')
  const removed = await owner.post(`/settings/profile/passkeys/${laptopId}/remove`, {
    current_password: admin.password,
  })
  t.equal(removed.statusCode, 303)
  const after = new Browser(app)
  await after.get('/login')
  t.equal((await signInWithPasskey(after, device)).statusCode, 401, 'a removed passkey signs nobody in')
})

t.test(`failed passkey sign-ins are throttled per IP like passwords (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t, { loginMaxFailuresPerIp: 3 })
  await seedFirstAdmin(app)
  const visitor = new Browser(app)
  await visitor.get('/login')
  const statuses: number[] = []
  for (let i = 0; i < 4; i += 1) {
    statuses.push((await signInWithPasskey(visitor, new SoftAuthenticator())).statusCode)
  }
  t.same(statuses, [401, 401, 401, 429], 'locked after the limit')
  const password = await visitor.post('/login', { email: 'nobody@example.com', password: 'x' })
  t.equal(password.statusCode, 429, 'the same per-IP lock as a password sign-in')

  const asking: number[] = []
  for (let i = 0; i < 26; i += 1)
    asking.push((await postJson(visitor, '/login/passkey/options', {})).statusCode)
  t.same(new Set(asking), new Set([200]), 'options: 30 a minute per IP (4 asked above)')
  const flood = await postJson(visitor, '/login/passkey/options', {})
  t.equal(flood.statusCode, 429, 'then refused: each one keeps a row')
  t.match(flood.json(), { statusCode: 429, message: /Too many passkey sign-ins/ })
})

t.test(`with an IP address in PUBLIC_URL passkeys are not offered (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t, { publicUrl: 'http://127.0.0.1:3000' })
  const admin = await seedFirstAdmin(app)
  const login = await new Browser(app).get('/login')
  t.notMatch(login.body, 'Sign in with a passkey')
  t.notMatch(login.body, 'passkeys.js')
  const browser = await loginAs(app, admin)
  const page = await browser.get('/settings/profile/passkeys')
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Passkeys need Latchkey’s address'.replace('’', "'"))
  t.match(page.body, 'browsers refuse an IP address')
  t.notMatch(page.body, 'Add a passkey')
  // CONTRACT 9 names the security page: it says so there too, with the other factors still offered.
  const security = await browser.get('/settings/profile/security')
  t.equal(security.statusCode, 200)
  t.match(security.body, 'browsers refuse an IP address')
  t.notMatch(security.body, 'Add a passkey')
  t.match(security.body, 'Set up an authenticator app')
  const options = await postJson(browser, '/settings/profile/passkeys/options', { name: 'x' })
  t.equal(options.statusCode, 404)
  t.match(options.json(), { message: /PUBLIC_URL with a host name/ })
  t.equal((await postJson(browser, '/login/passkey/options', {})).statusCode, 404)
})

t.test('the browser library is served from our own origin, its modules only', async (t) => {
  const { app } = await build(t)
  const library = await app.inject({ url: '/assets/webauthn/index.js' })
  t.equal(library.statusCode, 200)
  t.match(library.headers['content-type'], 'javascript')
  t.match(library.body, "export * from './methods/startRegistration.js'")
  t.equal((await app.inject({ url: '/assets/webauthn/methods/startAuthentication.js' })).statusCode, 200)
  t.equal((await app.inject({ url: '/assets/webauthn/index.d.ts' })).statusCode, 404, 'no type files')
  const script = await app.inject({ url: '/assets/passkeys.js' })
  t.equal(script.statusCode, 200)
  t.match(script.body, "from '/assets/webauthn/index.js'")
})
