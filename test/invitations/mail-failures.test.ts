import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { findUserByEmail } from '../../src/users/repo.js'
import { appWithCapturedLog } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, seedFirstAdmin } from '../helper.js'
import { linkPath, linksIn, outboxMessages, refusingSmtpUrl, startMailbox } from '../mailbox.js'
import { acceptAsNewPerson, pathOf, shownLink, USERS } from './helpers.js'

const FAILED = 'The invitation was created but the mail could not be sent: copy the link instead'

for (const failure of ['refused', '5xx'] as const) {
  t.test(
    `a failing SMTP server (${failure}): the invitation exists and the admin gets the link (${DATABASE_KIND})`,
    async (t) => {
      const smtpUrl =
        failure === 'refused' ? await refusingSmtpUrl() : (await startMailbox(t, { reject: '5xx' })).url
      // In production, so the link is shown only because the mail failed.
      const { app, lines } = await appWithCapturedLog(t, {
        smtpUrl,
        production: true,
        mailRetryDelaysMs: [10],
      })
      const admin = await seedFirstAdmin(app)
      const browser = await loginAs(app, admin)
      const page = await browser.post(USERS, { email: 'unlucky@example.com', role: 'browse' })
      t.equal(page.statusCode, 200)
      t.match(page.body, FAILED)
      const link = shownLink(page)
      t.match(
        link ?? '',
        /^http:\/\/localhost:3000\/invitations\/accept\?token=[\w-]{43}$/,
        'the link to copy',
      )
      t.equal(
        (await app.db.selectFrom('invitations').selectAll().execute()).length,
        1,
        'the invitation exists',
      )
      t.match(page.body, /id="invitations"[\s\S]*unlucky@example.com/, 'and is listed')
      const { response } = await acceptAsNewPerson(
        app,
        pathOf(link ?? ''),
        'Unlucky',
        'a long enough password',
      )
      t.equal(response.statusCode, 303, 'the copied link works')
      t.ok(await findUserByEmail(app.db, 'unlucky@example.com'))
      await app.mailer.settled()
      const token = new URL(link ?? '').searchParams.get('token') ?? ''
      t.notOk(
        lines.some((line) => line.includes(token)),
        'the link never reaches the log',
      )
    },
  )
}

t.test(
  'outbox mode: the mail is an .eml file with the link; outside production the page shows it once',
  async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'latchkey-invite-outbox-'))
    t.teardown(() => rm(dataDir, { recursive: true, force: true }))
    const { app } = await build(t, { dataDir, smtpUrl: undefined })
    const admin = await seedFirstAdmin(app)
    const browser = await loginAs(app, admin)
    const page = await browser.post(USERS, { email: 'outbox@example.com', role: 'design' })
    t.equal(page.statusCode, 200)
    t.match(page.body, 'Invitation sent')
    t.notMatch(page.body, FAILED)
    t.match(page.body, 'the link is shown here once')
    const [mail] = await outboxMessages(dataDir)
    t.ok(mail, 'written to the outbox')
    const link = mail ? linkPath(mail, '/invitations/accept') : ''
    t.equal(pathOf(shownLink(page) ?? ''), link, 'the page shows the mailed link')
    t.notOk(shownLink(await browser.get(USERS)), 'once: not on the next view of the page')
    const accepted = await acceptAsNewPerson(app, link, 'Outbox Person', 'a long enough password')
    t.equal(accepted.response.statusCode, 303)
  },
)

t.test('in production, a delivered invitation does not show the link', async (t) => {
  const mailbox = await startMailbox(t)
  const { app } = await build(t, { smtpUrl: mailbox.url, production: true })
  const admin = await seedFirstAdmin(app)
  const browser = await loginAs(app, admin)
  const page = await browser.post(USERS, { email: 'prod@example.com', role: 'browse' })
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Invitation sent')
  t.notOk(shownLink(page), 'no link on the page')
  const mail = await mailbox.next()
  t.equal(linksIn(mail).length, 1, 'the link is in the mail only')
  t.equal((await new Browser(app).get(linkPath(mail, '/invitations/accept'))).statusCode, 200)
})
