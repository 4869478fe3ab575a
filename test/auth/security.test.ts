import t from 'tap'
import { safeNextPath } from '../../src/auth/next-path.js'
import { OWASP_PASSWORD_HASHING } from '../../src/security/passwords.js'
import { Browser, build, seedFirstAdmin } from '../helper.js'

const ORIGIN = 'http://localhost:3000'

t.test('login throttling: slows, then locks the email out with a readable 429 page', async (t) => {
  const { app, config } = await build(t, { loginMaxFailuresPerEmail: 3, loginSlowdownMs: 50 })
  const admin = await seedFirstAdmin(app)
  const browser = new Browser(app)
  const started = Date.now()
  for (let i = 0; i < 2; i++) {
    t.equal(
      (await browser.post('/login', { email: admin.email, password: 'wrong-password' })).statusCode,
      401,
    )
  }
  const third = await browser.post('/login', { email: admin.email, password: 'wrong-password' })
  t.equal(third.statusCode, 401)
  t.ok(Date.now() - started >= 50, 'the third failure was slowed down')
  const locked = await browser.post('/login', { email: admin.email, password: admin.password })
  t.equal(locked.statusCode, 429, 'locked out even with the right password')
  t.match(locked.headers['content-type'], /text\/html/)
  t.match(locked.body, 'Too many failed sign-in attempts')
  t.ok(Number(locked.headers['retry-after']) > 0, 'Retry-After is set')
  t.ok(Number(locked.headers['retry-after']) <= config.loginLockoutSeconds)

  const unknown = new Browser(app)
  for (let i = 0; i < 3; i++)
    await unknown.post('/login', { email: 'ghost@example.com', password: 'wrong-password' })
  t.equal(
    (await unknown.post('/login', { email: 'ghost@example.com', password: 'wrong-password' })).statusCode,
    429,
    'an unknown email is throttled exactly like a known one',
  )
})

t.test('the lockout ends after its time, and per-IP throttling holds across emails', async (t) => {
  let now = new Date('2026-03-01T00:00:00Z')
  const { app } = await build(t, { now: () => now, loginMaxFailuresPerEmail: 2, loginMaxFailuresPerIp: 4 })
  const admin = await seedFirstAdmin(app)
  const browser = new Browser(app)
  await browser.post('/login', { email: admin.email, password: 'nope-nope-nope' })
  await browser.post('/login', { email: admin.email, password: 'nope-nope-nope' })
  t.equal((await browser.post('/login', { email: admin.email, password: admin.password })).statusCode, 429)
  now = new Date(now.getTime() + 16 * 60_000)
  t.equal(
    (await browser.post('/login', { email: admin.email, password: admin.password })).statusCode,
    303,
    'unlocked later',
  )

  for (let i = 0; i < 4; i++)
    await browser.post('/login', { email: `spray${i}@example.com`, password: 'nope-nope-nope' })
  t.equal(
    (await browser.post('/login', { email: admin.email, password: admin.password })).statusCode,
    429,
    'too many failures from one IP lock that IP out',
  )
})

t.test('CSRF: state-changing forms without a valid token are refused', async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const browser = new Browser(app)
  await browser.login(admin.email)
  const forged = await browser.post('/logout', { _csrf: 'forged' })
  t.equal(forged.statusCode, 403)
  t.match(forged.body, 'The form has expired or did not come from this site')
  const missing = await app.inject({
    method: 'POST',
    url: '/accounts/switch',
    headers: {
      cookie: `lk_session=${browser.cookies.get('lk_session')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: `account_id=${admin.accountId}`,
  })
  t.equal(missing.statusCode, 403, 'no token and no CSRF cookie')
  t.equal((await browser.get('/')).statusCode, 200, 'still signed in: logout did not happen')

  const anonymous = new Browser(app)
  const token = await anonymous.csrfToken()
  const other = await loginBrowser(app, admin.email)
  const crossSession = await other.post('/logout', { _csrf: token })
  t.equal(crossSession.statusCode, 403, 'a token issued to another session is refused')

  const login = await new Browser(app).post('/login', {
    email: admin.email,
    password: admin.password,
    _csrf: 'x',
  })
  t.equal(login.statusCode, 403, 'the login form is protected too')
})

async function loginBrowser(app: Parameters<typeof seedFirstAdmin>[0], email: string) {
  const browser = new Browser(app)
  await browser.login(email)
  return browser
}

t.test('next= accepts only local paths', async (t) => {
  for (const evil of [
    '//evil.example',
    'https://evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    '/%0d%0aLocation: x',
    ' /x',
    '/\t/evil.example',
  ]) {
    t.equal(
      safeNextPath(evil, ORIGIN).startsWith('//'),
      false,
      `${JSON.stringify(evil)} never becomes protocol-relative`,
    )
    t.notMatch(safeNextPath(evil, ORIGIN), /evil\.example|javascript/, `${JSON.stringify(evil)} refused`)
  }
  t.equal(
    safeNextPath('/authorize?app=100001&state=a%20b', ORIGIN),
    '/authorize?app=100001&state=a%20b',
    'a local path with a query is kept',
  )

  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  for (const evil of ['//evil.example', 'https://evil.example', '/\\evil.example']) {
    const browser = new Browser(app)
    const page = await browser.get(`/login?next=${encodeURIComponent(evil)}`)
    t.notMatch(page.body, 'evil.example', 'the login page does not carry it')
    const response = await browser.post('/login', {
      email: admin.email,
      password: admin.password,
      next: evil,
    })
    t.equal(response.headers.location, '/', `after login ${evil} became /`)
  }
  const browser = new Browser(app)
  const ok = await browser.post('/login', {
    email: admin.email,
    password: admin.password,
    next: '/settings/accounts/users?x=1',
  })
  t.equal(ok.headers.location, '/settings/accounts/users?x=1')
})

t.test('pages send security headers', async (t) => {
  const { app } = await build(t)
  const response = await app.inject({ url: '/setup' })
  t.match(response.headers['content-security-policy'], "frame-ancestors 'none'")
  t.match(response.headers['content-security-policy'], "script-src 'self'")
  t.equal(response.headers['referrer-policy'], 'no-referrer')
  t.equal(response.headers['x-frame-options'], 'DENY')
  t.equal(response.headers['x-content-type-options'], 'nosniff')
})

// Not a speed target: a check that an unknown email pays for the same argon2
// verification as a wrong password, so response time does not reveal accounts.
// It compares the CPU this process spends on each sign-in (argon2 runs on libuv's
// threads, which process.cpuUsage counts), not wall time: on a busy machine the
// wall time of one sign-in depends on what else runs, its CPU time hardly does.
t.test('an unknown email costs the same argon2 verification as a wrong password', async (t) => {
  const { app } = await build(t, {
    loginMaxFailuresPerEmail: 1000,
    loginMaxFailuresPerIp: 100000,
    passwordHashing: OWASP_PASSWORD_HASHING,
  })
  const admin = await seedFirstAdmin(app)
  const cpu = async (email: string) => {
    const browser = new Browser(app)
    await browser.csrfToken()
    const started = process.cpuUsage()
    const response = await browser.post('/login', { email, password: 'not the password' })
    t.equal(response.statusCode, 401)
    const used = process.cpuUsage(started)
    return (used.user + used.system) / 1000
  }
  await cpu('warm-up@example.com')
  const known: number[] = []
  const unknown: number[] = []
  for (let i = 0; i < 6; i++) {
    known.push(await cpu(admin.email))
    unknown.push(await cpu(`nobody${i}@example.com`))
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
  const ratio = median(unknown) / median(known)
  t.ok(median(unknown) > 5, `an unknown email costs argon2's CPU (${median(unknown).toFixed(1)} ms)`)
  t.ok(ratio > 0.5 && ratio < 2, `median CPU times within a factor of two (ratio ${ratio.toFixed(2)})`)
})
