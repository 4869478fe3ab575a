import { randomBytes } from 'node:crypto'
import t from 'tap'
import { redactUrl } from '../../src/logging.js'
import { appWithCapturedLog } from '../fixtures.js'
import { DATABASE_KIND } from '../helper.js'

// Issue 11, item 11: `?%74oken=<token>` wrote the token to the log, because the
// redaction matched raw parameter names. Names are now read as the query parser reads them.

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`

t.test(
  `secret query parameters are redacted however their names are written (${DATABASE_KIND})`,
  async (t) => {
    const { app, lines } = await appWithCapturedLog(t)
    const secrets: string[] = []
    const query = (build: (s: () => string) => string) =>
      build(() => {
        const value = secret('s')
        secrets.push(value)
        return value
      })
    const urls = [
      query((s) => `/api/v1/me?%74oken=lka_${s()}`),
      query((s) => `/api/v1/me?%54%4F%4B%45%4E=${s()}`),
      query((s) => `/api/v1/me?TOKEN=${s()}&Token=${s()}&token=${s()}`),
      query((s) => `/api/v1/me?token=${s()}&token=${s()}&app=100001`),
      query((s) => `/api/v1/me?Access_Token=${s()}&access%5Ftoken=${s()}`),
      query((s) => `/api/v1/me?app=1&c%6Fde=${s()}&state=xyz&CODE=${s()}`),
      query((s) => `/api/v1/me?client%5fsecret=${s()}&Code_Verifier=${s()}&pass%77ord=${s()}`),
      query((s) => `/api/v1/me?refresh_token=${s()}&%5Fcsrf=${s()}&SeCrEt=${s()}`),
      query((s) => `/login?next=%2Fx&%74oken=${s()}`),
      query((s) => `/api/v1/me?x=1&%74ok%65n=${s()}&bad=%E0%A4%A`),
    ]
    for (const url of urls) {
      const response = await app.inject({ url })
      t.ok(response.statusCode < 500, `${url.replace(/=s-[0-9a-f]+/g, '=…')} answered ${response.statusCode}`)
    }
    const log = lines.join('\n')
    t.ok(lines.length >= urls.length, `the requests were logged (${lines.length} lines)`)
    for (const value of secrets) t.notOk(log.includes(value), `${value.slice(0, 6)}… is not in the log`)
    t.match(log, '/api/v1/me?%74oken=[REDACTED]', 'the encoded name stays readable, its value does not')
    t.match(log, 'app=100001', 'other parameters stay readable')
    t.match(log, 'state=xyz')
  },
)

t.test('redactUrl reads names as the query parser does', async (t) => {
  const cases: [string, string][] = [
    ['/x?%74oken=abc&a=1', '/x?%74oken=[REDACTED]&a=1'],
    ['/x?TOKEN=a&token=b&Code=c', '/x?TOKEN=[REDACTED]&token=[REDACTED]&Code=[REDACTED]'],
    ['/x?tok%65n=a&tok%65n=b', '/x?tok%65n=[REDACTED]&tok%65n=[REDACTED]'],
    ['/x?+token=a', '/x?+token=[REDACTED]'],
    ['/x?token', '/x?token=[REDACTED]'],
    ['/x?%E0%A4%A=1&t%6Fken=s', '/x?%E0%A4%A=1&t%6Fken=[REDACTED]'],
    ['/x?a=1#token=z', '/x?a=1#[REDACTED]'],
    ['/x?app=100001&state=a%20b', '/x?app=100001&state=a%20b'],
    ['/x', '/x'],
  ]
  for (const [url, expected] of cases) t.equal(redactUrl(url), expected, url)
})
