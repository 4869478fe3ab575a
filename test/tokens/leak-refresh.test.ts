import { createHash } from 'node:crypto'
import t from 'tap'
import { findTokens } from '../../src/tokens/scan.js'
import { listenInvalidations } from '../fixtures.js'
import { DATABASE_KIND } from '../helper.js'
import { startMailbox } from '../mailbox.js'
import { lifetimeSetup } from '../oauth/lifetime-helpers.js'

// A leaked refresh token (lkr_, CONTRACT 10, 11): a true positive whose chain is
// revoked with its authorization's access tokens, audited and mailed to its owner.

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const URL_FOUND = 'https://github.com/octocat/hello/blob/abc123/.env'

t.test(`a reported live refresh token ends its chain (${DATABASE_KIND})`, async (t) => {
  const mailbox = await startMailbox(t)
  const { app, database, client, user, firstTokens, refresh } = await lifetimeSetup(t, undefined, {
    smtpUrl: mailbox.url,
  })
  const invalidations = await listenInvalidations(t, database)
  const leaked = await firstTokens()
  const rotated = await refresh(leaked.refresh_token)
  t.equal(rotated.statusCode, 200)
  const live = rotated.json() as { access_token: string; refresh_token: string }
  const verify = (token: string) =>
    app.inject({ url: '/verify', headers: { authorization: `Bearer ${token}` } })
  t.equal((await verify(live.access_token)).statusCode, 200, 'the access token works (and is cached)')
  t.same(
    findTokens(`REFRESH_TOKEN=${live.refresh_token}`).map((found) => found.kind),
    ['refresh'],
    'the scanner finds refresh tokens',
  )

  const response = await app.inject({
    method: 'POST',
    url: '/leaked-tokens',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify([
      { token: live.refresh_token, url: URL_FOUND, source: 'content' },
      { token: leaked.refresh_token, url: URL_FOUND, source: 'content' },
      {
        token: `${live.refresh_token.slice(0, -1)}${live.refresh_token.endsWith('A') ? 'B' : 'A'}`,
        url: '',
        source: '',
      },
    ]),
  })
  t.equal(response.statusCode, 200)
  t.same(
    response.json(),
    [
      { token_hash: sha256(live.refresh_token), label: 'true_positive' },
      { token_hash: sha256(leaked.refresh_token), label: 'true_positive' },
      { token_hash: response.json()[2].token_hash, label: 'false_positive' },
    ],
    'issued refresh tokens (live or spent) are true positives; a bad checksum is not',
  )
  t.equal(
    (await verify(live.access_token)).statusCode,
    401,
    "the authorization's access token is refused at once",
  )
  const tokenId = (
    await app.db
      .selectFrom('tokens')
      .select('id')
      .where('token_hash', '=', sha256(live.access_token))
      .executeTakeFirstOrThrow()
  ).id
  t.ok(await invalidations.arrives({ type: 'token', id: tokenId }), 'announced to every instance')
  const again = await refresh(live.refresh_token)
  t.equal(again.json().error, 'invalid_grant', 'the reported refresh token no longer refreshes')

  const events = await app.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'token.leaked')
    .execute()
  t.equal(events.length, 1, 'one token.leaked event: the spent refresh token of the same chain adds none')
  t.equal(events[0]?.account_id, user.studioId, "in its account's log")
  t.match(events[0]?.details, {
    kind: 'refresh',
    hint: `lkr_…${live.refresh_token.slice(-4)}`,
    application_id: client.application.id,
    revoked_refresh_tokens: 1,
    url: URL_FOUND,
    source: 'content',
  })

  const mail = await mailbox.next()
  t.same(
    mail.to && 'value' in mail.to ? mail.to.value.map((a) => a.address) : [],
    [user.email],
    'mailed to the person who authorized the application',
  )
  t.match(mail.text, `lkr_…${live.refresh_token.slice(-4)}`, 'naming the token by its hint')
  t.notMatch(mail.text ?? '', live.refresh_token, 'never the token itself')
  await app.mailer.settled()
  t.equal(mailbox.messages.length, 1, 'one mail')
})
