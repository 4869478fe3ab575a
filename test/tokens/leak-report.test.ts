import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { generateToken, hashToken } from '../../src/tokens/format.js'
import { MAX_LEAK_REPORT_ITEMS } from '../../src/tokens/leak-report.js'
import { revokeTokenByOperator } from '../../src/tokens/revoke-by-operator.js'
import { AUDIT, authorize, listenInvalidations, personalToken, seedApplication } from '../fixtures.js'
import { build, countQueries, DATABASE_KIND, seedFirstAdmin } from '../helper.js'
import { startMailbox } from '../mailbox.js'

// POST /leaked-tokens (CONTRACT 11): labels, revocation, the audit entry, the owner's mail, throttling, bad bodies.

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const URL_FOUND = 'https://github.com/octocat/hello/blob/abc123/config.yml'

function report(app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/leaked-tokens',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  })
}

const verify = (app: FastifyInstance, token: string) =>
  app.inject({ url: '/verify', headers: { authorization: `Bearer ${token}` } })

/** The same token with its last checksum character changed: right-looking, wrong checksum. */
function badChecksum(token: string): string {
  return token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')
}

t.test(`true and false positives, revocation, audit and mail (${DATABASE_KIND})`, async (t) => {
  const mailbox = await startMailbox(t)
  const { app, database } = await build(t, { smtpUrl: mailbox.url })
  const invalidations = await listenInvalidations(t, database)
  const admin = await seedFirstAdmin(app)
  const personal = await personalToken(app, admin, 'publish', { name: 'CI deploy' })
  const kept = await personalToken(app, admin, 'publish', { name: 'not reported' })
  const { application } = await seedApplication(app, { accountId: admin.accountId }, { name: 'Grafana' })
  const grant = await authorize(app, application, admin)
  const alreadyRevoked = await personalToken(app, admin, 'browse', { name: 'old' })
  const oldId = (
    await app.db
      .selectFrom('tokens')
      .select('id')
      .where('token_hash', '=', hashToken(alreadyRevoked))
      .executeTakeFirstOrThrow()
  ).id
  await revokeTokenByOperator(app.db, oldId, new Date(), { ...AUDIT, at: new Date() })
  t.equal((await verify(app, personal)).statusCode, 200, 'the personal token works (and is cached)')
  t.equal((await verify(app, grant.token)).statusCode, 200, 'so does the application token')

  const items = [
    { token: 'hello world', url: URL_FOUND, source: 'content' },
    { token: badChecksum(personal), url: URL_FOUND, source: 'content' },
    { token: generateToken('personal'), url: URL_FOUND, source: 'content' },
    { token: personal, url: URL_FOUND, source: 'commit', type: 'latchkey_token' },
    { token: grant.token, url: `${URL_FOUND}#L2`, source: 'content' },
    { token: alreadyRevoked, url: URL_FOUND, source: 'content' },
  ]
  const response = await report(app, items)
  t.equal(response.statusCode, 200)
  t.equal(response.headers['cache-control'], 'no-store')
  t.same(
    response.json(),
    items.map((item, i) => ({
      token_hash: sha256(item.token),
      label: i >= 3 ? 'true_positive' : 'false_positive',
    })),
    'garbage, a bad checksum and an unknown token are false positives; issued tokens are true positives',
  )

  t.equal((await verify(app, personal)).statusCode, 401, 'the reported personal token is inactive at once')
  t.equal((await verify(app, grant.token)).statusCode, 401, 'and so is the application token')
  t.equal((await verify(app, kept)).statusCode, 200, 'a token that was not reported still works')
  const personalId = (
    await app.db
      .selectFrom('tokens')
      .select('id')
      .where('token_hash', '=', hashToken(personal))
      .executeTakeFirstOrThrow()
  ).id
  t.ok(await invalidations.arrives({ type: 'token', id: personalId }), 'announced to every instance')
  t.ok(await invalidations.arrives({ type: 'token', id: grant.tokenId }), 'the application token too')

  const events = await app.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'token.leaked')
    .orderBy('id')
    .execute()
  t.equal(events.length, 2, 'one token.leaked event per revoked token, none for the already revoked one')
  t.same(
    events.map((e) => [e.account_id, e.target_id, e.actor_user_id, e.actor_label]),
    [
      [admin.accountId, String(personalId), null, 'leaked-token report'],
      [admin.accountId, String(grant.tokenId), null, 'leaked-token report'],
    ],
    "in the token's account's log, by the anonymous report",
  )
  t.match(events[0]?.details, { kind: 'personal', name: 'CI deploy', url: URL_FOUND, source: 'commit' })
  t.match(events[1]?.details, {
    kind: 'application',
    application_id: application.id,
    url: `${URL_FOUND}#L2`,
    source: 'content',
  })

  const mails = [await mailbox.next(), await mailbox.next()]
  const bySubject = (word: string) => mails.find((mail) => mail.subject?.includes(word))
  const personalMail = bySubject('API token')
  const appMail = bySubject('Grafana')
  t.ok(personalMail && appMail, 'one mail for each revoked token')
  for (const [mail, token] of [
    [personalMail, personal],
    [appMail, grant.token],
  ] as const) {
    t.same(
      mail?.to && 'value' in mail.to ? mail.to.value.map((a) => a.address) : [],
      [admin.email],
      'to the owner (who created the token, or who authorized the application)',
    )
    t.match(mail?.text, `${token.slice(0, 4)}…${token.slice(-4)}`, 'the mail names the token by its hint')
    t.match(mail?.text, URL_FOUND, 'and says where it was found')
    t.notMatch(mail?.text ?? '', token, 'never the token itself (text)')
    t.notMatch(String(mail?.html ?? ''), token, 'never the token itself (HTML)')
  }
  t.match(personalMail?.text, 'CI deploy')
  t.match(personalMail?.text, /^http:\/\/localhost:3000\/developers\/tokens$/m, 'where to make a new one')

  const again = await report(app, [{ token: personal, url: 'https://example.com/again', source: 'content' }])
  t.same(again.json(), [{ token_hash: sha256(personal), label: 'true_positive' }], 'still a true positive')
  const after = await app.db
    .selectFrom('audit_events')
    .select('id')
    .where('action', '=', 'token.leaked')
    .execute()
  t.equal(after.length, 2, 'an inactive token stays as it is: no new event')
  await app.mailer.settled()
  t.equal(mailbox.messages.length, 2, 'and no new mail')
})

t.test(`a report of strings that are not tokens never touches the database (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const queries = countQueries(app)
  const token = generateToken('application')
  const response = await report(app, [
    { token: 'x'.repeat(1000), url: '', source: '' },
    { token: badChecksum(token), url: '', source: '' },
    { token: `${token}0`, url: '', source: '' },
    { token: '', url: '', source: '' },
  ])
  t.equal(response.statusCode, 200)
  t.same(
    response.json().map((v: { label: string }) => v.label),
    ['false_positive', 'false_positive', 'false_positive', 'false_positive'],
  )
  t.equal(queries(), 0, 'no query')
})

t.test(`a full report of unknown tokens costs one query (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const queries = countQueries(app)
  const items = Array.from({ length: MAX_LEAK_REPORT_ITEMS }, () => ({
    token: generateToken('personal'),
    url: 'https://example.com',
    source: 'content',
  }))
  const response = await report(app, items)
  t.equal(response.statusCode, 200)
  t.equal(response.json().length, MAX_LEAK_REPORT_ITEMS)
  t.equal(queries(), 1, 'one batched lookup, not one per token')
})

t.test(`bad bodies are 400 with the JSON error shape (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const item = { token: 'lkp_x', url: 'https://example.com', source: 'content' }
  const cases: [string, unknown][] = [
    ['not an array', item],
    ['too many items', Array.from({ length: MAX_LEAK_REPORT_ITEMS + 1 }, () => item)],
    ['a number as token', [{ ...item, token: 12345 }]],
    ['null as url', [{ ...item, url: null }]],
    ['an array as source', [{ ...item, source: ['content'] }]],
    ['a missing token', [{ url: item.url, source: item.source }]],
    ['an item that is a string', ['lkp_x']],
    ['an overlong url', [{ ...item, url: 'x'.repeat(3000) }]],
  ]
  for (const [what, body] of cases) {
    const response = await report(app, body)
    t.equal(response.statusCode, 400, what)
    t.match(
      response.json(),
      { statusCode: 400, error: 'Bad Request', message: String },
      `${what}: JSON shape`,
    )
  }
  const notJson = await app.inject({
    method: 'POST',
    url: '/leaked-tokens',
    headers: { 'content-type': 'application/json' },
    payload: '[{"token":',
  })
  t.equal(notJson.statusCode, 400, 'broken JSON')
  t.match(notJson.json(), { statusCode: 400, error: 'Bad Request' })
  const text = await app.inject({
    method: 'POST',
    url: '/leaked-tokens',
    headers: { 'content-type': 'text/plain' },
    payload: 'lkp_x',
  })
  t.equal(text.statusCode, 400, 'plain text is not an array')
  const xml = await app.inject({
    method: 'POST',
    url: '/leaked-tokens',
    headers: { 'content-type': 'application/xml' },
    payload: '<a/>',
  })
  t.equal(xml.statusCode, 415, 'a type Latchkey does not read')
  t.match(xml.json(), { statusCode: 415 })
  t.equal((await report(app, [])).statusCode, 200, 'an empty report is fine')
})

t.test(`reports are throttled per client IP (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t, { leakedTokensRateLimitPerMinute: 2 })
  const body = [{ token: 'nothing', url: '', source: 'test' }]
  t.equal((await report(app, body)).statusCode, 200)
  t.equal((await report(app, body)).statusCode, 200)
  const refused = await report(app, body)
  t.equal(refused.statusCode, 429, 'the third within a minute is refused')
  t.match(refused.json(), { statusCode: 429, error: 'Too Many Requests' })
  t.ok(Number(refused.headers['retry-after']) >= 1, 'with Retry-After')
  const other = await app.inject({
    method: 'POST',
    url: '/leaked-tokens',
    remoteAddress: '203.0.113.7',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  })
  t.equal(other.statusCode, 200, 'another address is not affected')
})

t.test('LEAKED_TOKENS_RATE_LIMIT is read and checked', async (t) => {
  const { testConfig } = await import('../helper.js')
  const { ConfigError } = await import('../../src/config.js')
  t.equal(testConfig().leakedTokensRateLimitPerMinute, 30, 'default')
  t.equal(testConfig({}, { LEAKED_TOKENS_RATE_LIMIT: '500' }).leakedTokensRateLimitPerMinute, 500)
  t.throws(() => testConfig({}, { LEAKED_TOKENS_RATE_LIMIT: '0' }), ConfigError)
  t.throws(() => testConfig({}, { LEAKED_TOKENS_RATE_LIMIT: 'lots' }), ConfigError)
})
