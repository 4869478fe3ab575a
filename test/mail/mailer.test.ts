import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { MailContent } from '../../src/mail/compose.js'
import { appWithCapturedLog } from '../fixtures.js'
import { build } from '../helper.js'
import {
  linkPath,
  linksIn,
  outboxMessages,
  refusingSmtpUrl,
  silentSmtpUrl,
  startMailbox,
} from '../mailbox.js'

const LINK = 'http://localhost:3000/password/reset?token=AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjjKKK'

function reset(name = 'Ada'): MailContent {
  return { template: 'password-reset', subject: 'Reset your Latchkey password', data: { name, link: LINK } }
}

t.test(
  'over SMTP: a text part with each link alone on its line, an HTML part, the configured sender',
  async (t) => {
    const mailbox = await startMailbox(t)
    const { app } = await build(t, { smtpUrl: mailbox.url, mailFrom: 'Latchkey Test <auth@example.test>' })
    const outcome = await app.mailer.send('ada@example.com', reset())
    t.equal(outcome.state, 'delivered')
    t.match(outcome, { delivery: { via: 'smtp' } })
    const mail = await mailbox.next()
    t.equal(mail.subject, 'Reset your Latchkey password')
    t.equal(mail.from?.text, '"Latchkey Test" <auth@example.test>')
    t.same(linksIn(mail), [LINK], 'the only link stands alone on its own line')
    t.equal(linkPath(mail, '/password/reset'), new URL(LINK).pathname + new URL(LINK).search)
    t.match(String(mail.html), /<a href="http:\/\/localhost:3000\/password\/reset\?token=/)
  },
)

t.test('names are escaped in the HTML part and left as typed in the text part', async (t) => {
  const mailbox = await startMailbox(t)
  const { app } = await build(t, { smtpUrl: mailbox.url })
  await app.mailer.send('x@example.com', reset('<img src=x onerror=alert(1)> & Co'))
  const mail = await mailbox.next()
  t.notMatch(String(mail.html), /<img src=x/)
  t.match(String(mail.html), /&lt;img src=x onerror=alert\(1\)&gt; &amp; Co/)
  t.match(mail.text ?? '', /Hello <img src=x onerror=alert\(1\)> & Co,/)
})

t.test(
  'without SMTP_URL each message is an .eml file in DATA_DIR/outbox and the log names the file, never the link',
  async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'latchkey-outbox-'))
    t.teardown(() => rm(dataDir, { recursive: true, force: true }))
    const { app, lines } = await appWithCapturedLog(t, { dataDir, smtpUrl: undefined })
    const outcome = await app.mailer.send('ada@example.com', reset())
    t.equal(outcome.state, 'delivered')
    t.match(outcome, { delivery: { via: 'outbox', file: /outbox\/\d{4}-\d\d-\d\d\/.+\.eml$/ } })
    const [mail] = await outboxMessages(dataDir)
    t.ok(mail, 'one file written')
    t.same(mail ? linksIn(mail) : [], [LINK])
    t.equal(mail?.to && 'text' in mail.to ? mail.to.text : '', 'ada@example.com')
    const written = lines.find((line) => line.includes('mail written to the outbox'))
    t.ok(written, 'the log says a message was written')
    t.match(written ?? '', /"file":".*outbox/)
    t.notOk(
      lines.some((line) => line.includes('token=')),
      'no line of the log holds the link',
    )
  },
)

t.test(
  'a refused connection: the sender learns it failed, retries follow, the log never holds the link',
  async (t) => {
    const { app, lines } = await appWithCapturedLog(t, {
      smtpUrl: await refusingSmtpUrl(),
      mailRetryDelaysMs: [10, 10],
    })
    const outcome = await app.mailer.send('ada@example.com', reset())
    t.equal(outcome.state, 'failed')
    await app.mailer.settled()
    const failures = lines.filter((line) => line.includes('mail could not be sent'))
    t.equal(failures.length, 3, 'the first attempt and two retries')
    t.match(failures.at(-1) ?? '', /giving up/)
    t.match(failures[0] ?? '', /ECONNREFUSED|connect/i)
    t.notOk(lines.some((line) => line.includes('token=')))
  },
)

t.test('a server answering 5xx: failed, retried, each attempt refused', async (t) => {
  const mailbox = await startMailbox(t, { reject: '5xx' })
  const { app } = await build(t, { smtpUrl: mailbox.url, mailRetryDelaysMs: [10] })
  const outcome = await app.mailer.send('ada@example.com', reset())
  t.equal(outcome.state, 'failed')
  await app.mailer.settled()
  t.equal(mailbox.refused, 2, 'the message was offered twice')
  t.equal(mailbox.messages.length, 0)
})

t.test('a server that never answers holds the sender only for the bounded wait', async (t) => {
  const silent = await silentSmtpUrl(t) // accepts, never greets
  const { app } = await build(t, {
    smtpUrl: silent,
    mailWaitMs: 200,
    mailRetryDelaysMs: [],
  })
  const started = Date.now()
  const outcome = await app.mailer.send('ada@example.com', reset())
  t.equal(outcome.state, 'pending')
  t.ok(Date.now() - started < 5_000, 'answered long before the greeting timeout')
})
