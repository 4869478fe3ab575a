import t from 'tap'
import { Browser, build, DATABASE_KIND, PASSWORD, seedFirstAdmin } from '../helper.js'

t.test(`setup → login → logout (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const first = await app.inject({ url: '/', headers: { accept: 'text/html' } })
  t.equal(first.statusCode, 302)
  t.equal(first.headers.location, '/setup', 'the first visit leads to /setup')

  const browser = new Browser(app)
  const page = await browser.get('/setup')
  t.equal(page.statusCode, 200)
  for (const field of ['email', 'name', 'password', 'account_name', '_csrf']) {
    t.match(page.body, `name="${field}"`, `setup form has ${field}`)
  }
  const created = await browser.post('/setup', {
    email: 'Ann@Example.com',
    name: 'Ann',
    password: PASSWORD,
    account_name: 'Acme',
  })
  t.equal(created.statusCode, 303)
  t.ok(browser.cookies.get('lk_session'), 'signed in right after setup')
  const home = await browser.get('/')
  t.equal(home.statusCode, 200)
  t.match(home.body, 'Acme')
  t.match(home.body, 'admin')

  t.equal(
    (await app.inject({ url: '/setup', headers: { accept: 'text/html' } })).statusCode,
    404,
    '/setup is gone once a user exists',
  )
  const again = await new Browser(app).post('/setup', {
    email: 'evil@example.com',
    name: 'E',
    password: PASSWORD,
    account_name: 'X',
  })
  t.equal(again.statusCode, 404, 'POST /setup is refused too')

  const out = await browser.post('/logout', {})
  t.equal(out.statusCode, 303)
  t.equal(out.headers.location, '/login')
  t.notOk(browser.cookies.get('lk_session'), 'session cookie cleared')
  const after = await browser.get('/')
  t.equal(after.headers.location, '/login', 'signed out')

  const login = await browser.post('/login', { email: 'ann@example.com', password: PASSWORD })
  t.equal(login.statusCode, 303, 'email matches case-insensitively')
  t.equal((await browser.get('/')).statusCode, 200)
})

t.test('setup validates its fields and keeps what was typed', async (t) => {
  const { app } = await build(t)
  const browser = new Browser(app)
  const short = await browser.post('/setup', {
    email: 'a@example.com',
    name: 'A',
    password: 'short',
    account_name: 'Acme',
  })
  t.equal(short.statusCode, 400)
  t.match(short.body, 'password must be at least 10 characters')
  t.match(short.body, 'value="a@example.com"')
  const badEmail = await browser.post('/setup', {
    email: 'not-an-email',
    name: 'A',
    password: PASSWORD,
    account_name: 'Acme',
  })
  t.equal(badEmail.statusCode, 400)
  t.match(badEmail.body, 'email must be a valid email address')
  t.equal((await browser.get('/setup')).statusCode, 200, 'still in first-run mode')
})

t.test('unknown email and wrong password look the same', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const wrong = await new Browser(app).post('/login', { email: admin.email, password: 'not the password' })
  const unknown = await new Browser(app).post('/login', {
    email: 'nobody@example.com',
    password: 'not the password',
  })
  t.equal(wrong.statusCode, 401)
  t.equal(unknown.statusCode, 401)
  const message = (body: string) => /<p class="problem"[^>]*>([^<]*)<\/p>/.exec(body)?.[1]
  t.equal(message(wrong.body), 'Wrong email or password.')
  t.equal(message(unknown.body), message(wrong.body), 'same message')
  t.notOk(wrong.headers['set-cookie']?.toString().includes('lk_session'), 'no session on failure')
})

t.test('the session id changes at login (no fixation) and cookie flags are set', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = new Browser(app)
  await browser.login(admin.email)
  const firstId = browser.cookies.get('lk_session')
  // An attacker-planted cookie must not survive login either.
  browser.cookies.set('lk_session', 'planted-by-attacker')
  const response = await browser.login(admin.email)
  const cookie = String(response.headers['set-cookie'])
  const secondId = browser.cookies.get('lk_session')
  t.ok(secondId && secondId !== firstId && secondId !== 'planted-by-attacker', 'a new id is issued')
  t.match(cookie, /lk_session=[^;]+;.*HttpOnly/)
  t.match(cookie, /SameSite=Lax/)
  t.notMatch(cookie, /Secure/, 'not Secure over http')

  const old = new Browser(app)
  old.cookies.set('lk_session', firstId as string)
  t.equal((await old.get('/')).statusCode, 200, 'the earlier, separate session stays valid until logout')
})

t.test('the session cookie is Secure when PUBLIC_URL is https', async (t) => {
  const { app } = await build(t, { publicUrl: 'https://auth.example.com' })
  const admin = await seedFirstAdmin(app)
  const response = await new Browser(app).login(admin.email)
  t.match(String(response.headers['set-cookie']), /lk_session=[^,]*Secure/)
})

t.test('sessions end after the idle timeout and the absolute lifetime', async (t) => {
  let now = new Date('2026-01-01T00:00:00Z')
  const { app } = await build(t, { now: () => now, sessionIdleSeconds: 600, sessionMaxSeconds: 3600 })
  const admin = await seedFirstAdmin(app)
  const browser = new Browser(app)
  await browser.login(admin.email)
  now = new Date(now.getTime() + 5 * 60_000)
  t.equal((await browser.get('/')).statusCode, 200, 'active after 5 minutes')
  now = new Date(now.getTime() + 11 * 60_000)
  t.equal((await browser.get('/')).statusCode, 302, 'idle for 11 minutes: signed out')

  await browser.login(admin.email)
  for (let minutes = 0; minutes < 65; minutes += 5) {
    now = new Date(now.getTime() + 5 * 60_000)
    if (minutes < 55) t.equal((await browser.get('/')).statusCode, 200)
  }
  t.equal((await browser.get('/')).statusCode, 302, 'past the absolute lifetime even when active')
})
