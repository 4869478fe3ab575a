import t from 'tap'
import { safeNextPath } from '../../src/auth/next-path.js'
import { Browser, build, DATABASE_KIND, seedFirstAdmin } from '../helper.js'

// Issue 11, item 2: `?next=` must never send a person off the issuer's origin,
// whatever the URL parser's normalisation makes of the path.
const ORIGIN = 'http://localhost:3000'

const HOSTILE = [
  '/.//evil.example',
  '/%2e%2e//evil.example',
  '/%2E%2E//evil.example',
  '/a/..//evil.example',
  '/a/%2e%2e//evil.example',
  '/././/evil.example/x?y=1',
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  '/.\\/evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '\t//evil.example',
  '/\r\n/evil.example',
  ' //evil.example',
  'https://evil.example',
  'https:evil.example',
  'http://localhost:3000@evil.example/',
  'http://evil.example:3000/',
  'https://localhost:3000/',
  'javascript:alert(1)',
  'data:text/html,x',
]

/** Where a browser goes with this `Location` on a page of the issuer. */
const destination = (location: string) => new URL(location, `${ORIGIN}/login`)

t.test('safeNextPath keeps every hostile next= on the issuer origin', async (t) => {
  for (const evil of HOSTILE) {
    const path = safeNextPath(evil, ORIGIN)
    t.equal(destination(path).origin, ORIGIN, `${JSON.stringify(evil)} → ${JSON.stringify(path)} stays here`)
    t.notOk(path.startsWith('//'), `${JSON.stringify(evil)} is not protocol-relative`)
    t.notMatch(path, /evil\.example|javascript|data:/, `${JSON.stringify(evil)} is refused`)
  }
})

t.test('safeNextPath returns the normalised local path', async (t) => {
  const cases: [string, string][] = [
    ['/settings/accounts/users?x=1', '/settings/accounts/users?x=1'],
    ['/authorize?app=100001&state=a%20b', '/authorize?app=100001&state=a%20b'],
    ['/a/../settings', '/settings'],
    ['/%2e%2e/settings', '/settings'],
    ['/a b', '/a%20b'],
    ['/€?q=€', '/%E2%82%AC?q=%E2%82%AC'],
    ['/x#fragment', '/x'],
    [`${ORIGIN}/settings`, '/settings'],
    ['', '/'],
    ['x'.repeat(2001), '/'],
  ]
  for (const [input, expected] of cases) t.equal(safeNextPath(input, ORIGIN), expected, JSON.stringify(input))
  t.equal(safeNextPath(42, ORIGIN), '/', 'not a string')
  t.equal(
    safeNextPath('/settings', 'https://auth.example.com/base'),
    '/settings',
    'the origin of PUBLIC_URL, not its path',
  )
  t.equal(safeNextPath('https://auth.example.com/x', 'https://auth.example.com'), '/x')
})

t.test(`POST /login with a hostile next= redirects on the issuer origin (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  for (const evil of HOSTILE) {
    const browser = new Browser(app)
    const page = await browser.get(`/login?next=${encodeURIComponent(evil)}`)
    t.notMatch(page.body, 'evil.example', `the login page does not carry ${JSON.stringify(evil)}`)
    const response = await browser.post('/login', {
      email: admin.email,
      password: admin.password,
      next: evil,
    })
    t.equal(response.statusCode, 303)
    const location = String(response.headers.location)
    t.equal(destination(location).origin, ORIGIN, `${JSON.stringify(evil)} → Location ${location}`)
    t.notMatch(location, /evil\.example/)
    const signedIn = await browser.get(`/login?next=${encodeURIComponent(evil)}`)
    t.equal(destination(String(signedIn.headers.location)).origin, ORIGIN, 'signed in: GET /login too')
  }
  const browser = new Browser(app)
  const ok = await browser.post('/login', {
    email: admin.email,
    password: admin.password,
    next: '/a/../settings/accounts/users?x=1',
  })
  t.equal(ok.headers.location, '/settings/accounts/users?x=1', 'a local path is kept, normalised')
})
