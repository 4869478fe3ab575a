import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { appWithCapturedLog } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, seedFirstAdmin } from '../helper.js'
import { linkPath, linksIn, outboxMessages, startMailbox } from '../mailbox.js'
import { openSignupApp, rowCounts, signUp, signupFields } from './helpers.js'

t.test(
  `sign-up → the mailed link → signed in on the dashboard, admin of the new account (${DATABASE_KIND})`,
  async (t) => {
    const { app, mailbox } = await openSignupApp(t)
    const fields = signupFields({ name: 'Sam Signup', account_name: 'Sam Studio' })
    const browser = new Browser(app)
    const form = await browser.get('/signup')
    t.equal(form.statusCode, 200)
    for (const name of ['email', 'name', 'password', 'account_name', '_csrf']) {
      t.match(form.body, `name="${name}"`, `the form has ${name}`)
    }
    t.match(form.body, 'href="/login"', 'the sign-up page links to sign-in')

    const answer = await browser.post('/signup', fields)
    t.equal(answer.statusCode, 200)
    t.match(answer.body, 'Check your email!')
    t.match(
      answer.body,
      `We've sent a message to <strong id="signup-email">${fields.email}</strong> with an activation link in it.`,
    )
    t.match(answer.body, "Just click the link, and we'll take it from there.")
    t.match(answer.body, "Can't find the mail? Check your spam, junk or secondary inboxes.")
    t.same(
      await rowCounts(app),
      { users: 0, accounts: 0, memberships: 0, signups: 1 },
      'nothing but the pending sign-up',
    )

    const mail = await mailbox.next()
    t.equal(mail.subject, 'Activate your Latchkey account')
    t.match(mail.to && 'text' in mail.to ? mail.to.text : '', fields.email)
    const links = linksIn(mail)
    t.equal(links.length, 1, 'one link, alone on its line')
    t.match(links[0], /^http:\/\/localhost:3000\/activate\?token=[A-Za-z0-9_-]{43}$/)
    t.match(mail.text ?? '', 'Sam Studio')
    const stored = await app.db.selectFrom('signups').selectAll().executeTakeFirstOrThrow()
    t.notOk(links[0]?.includes(stored.token_hash), 'only the hash of the token is stored')
    t.notMatch(stored.password_hash, fields.password, 'the password is stored hashed')
    t.match(stored.password_hash, /^\$argon2id\$/)

    const activated = await browser.get(linkPath(mail, '/activate'))
    t.equal(activated.statusCode, 303)
    t.equal(activated.headers.location, '/', 'straight to the dashboard, no confirm step')
    const home = await browser.get('/')
    t.equal(home.statusCode, 200)
    t.match(home.body, '<h1>Overview</h1>')
    t.match(home.body, 'Sam Studio')
    t.match(home.body, 'as <strong>admin</strong>')
    t.match(home.body, 'Sam Signup')

    const user = await app.db.selectFrom('users').selectAll().executeTakeFirstOrThrow()
    t.equal(user.email, fields.email)
    t.equal(user.password_hash, stored.password_hash, 'the password chosen at sign-up')
    const membership = await app.db.selectFrom('memberships').selectAll().executeTakeFirstOrThrow()
    t.equal(membership.user_id, user.id)
    t.equal(membership.role, 'admin')
    t.same(
      await rowCounts(app),
      { users: 1, accounts: 1, memberships: 1, signups: 0 },
      'the pending row is gone',
    )
    const events = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'signup.activated')
      .execute()
    t.equal(events.length, 1, 'one signup.activated event')
    t.equal(events[0]?.account_id, membership.account_id, 'on the new account')
    t.equal(events[0]?.actor_user_id, user.id, 'by the new person')

    // The password chosen at sign-up signs in, on another browser.
    await new Browser(app).login(fields.email, fields.password)
    const session = await app.db.selectFrom('sessions').select(['user_id', 'ip']).execute()
    t.equal(session.length, 2, 'the activation session and the sign-in')
  },
)

t.test(
  'without SMTP_URL the activation mail is an .eml file in DATA_DIR/outbox and its link works',
  async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'latchkey-signup-outbox-'))
    t.teardown(() => rm(dataDir, { recursive: true, force: true }))
    const { app } = await build(t, { signup: 'open', smtpUrl: undefined, dataDir })
    const fields = signupFields()
    const answer = await signUp(app, fields)
    t.equal(answer.statusCode, 200)
    await app.mailer.settled()
    const [mail, more] = await outboxMessages(dataDir)
    t.ok(mail, 'one message written')
    t.notOk(more)
    if (!mail) return
    t.equal(mail.subject, 'Activate your Latchkey account')
    const browser = new Browser(app)
    const activated = await browser.get(linkPath(mail, '/activate'))
    t.equal(activated.statusCode, 303)
    t.equal((await browser.get('/')).statusCode, 200)
    t.same(await rowCounts(app), { users: 1, accounts: 1, memberships: 1, signups: 0 })
  },
)

t.test(
  'SIGNUP=invite (the default): /signup and /activate are 404, the login page has no sign-up link',
  async (t) => {
    const { app, config } = await build(t)
    t.equal(config.signup, 'invite')
    const admin = await seedFirstAdmin(app)
    const browser = new Browser(app)
    t.equal((await browser.get('/signup')).statusCode, 404)
    const posted = await browser.post('/signup', signupFields())
    t.equal(posted.statusCode, 404)
    t.equal(
      (await browser.get('/activate?token=AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjjKKK')).statusCode,
      404,
    )
    t.same(await rowCounts(app), { users: 1, accounts: 1, memberships: 1, signups: 0 })
    const login = await browser.get('/login')
    t.notMatch(login.body, 'href="/signup"')
    t.notMatch(login.body, 'Create an account')
    t.ok(admin)
  },
)

t.test('SIGNUP=open: the login page links to "Create an account"', async (t) => {
  const { app } = await build(t, { signup: 'open' })
  await seedFirstAdmin(app)
  const login = await new Browser(app).get('/login')
  t.match(login.body, '<a href="/signup">Create an account</a>')
})

t.test('the log never holds the activation token or the password', async (t) => {
  const mailbox = await startMailbox(t)
  const { app, lines } = await appWithCapturedLog(t, { signup: 'open', smtpUrl: mailbox.url })
  const fields = signupFields()
  await signUp(app, fields)
  const path = linkPath(await mailbox.next(), '/activate')
  const token = new URL(path, 'http://x').searchParams.get('token') ?? ''
  t.equal((await new Browser(app).get(path)).statusCode, 303)
  await app.mailer.settled()
  t.ok(
    lines.some((line) => line.includes('sign-up activated')),
    'the activation is logged',
  )
  t.ok(
    lines.some((line) => line.includes('/activate?token=[REDACTED]')),
    'the URL with the token redacted',
  )
  t.notOk(
    lines.some((line) => line.includes(token)),
    'never the token',
  )
  t.notOk(
    lines.some((line) => line.includes(fields.password)),
    'never the password',
  )
})
