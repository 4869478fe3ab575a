import t from 'tap'
import { fromCli } from '../../src/audit/context.js'
import { NotFoundError } from '../../src/errors.js'
import { setUserDisabled } from '../../src/users/disable.js'
import { personalToken } from '../fixtures.js'
import { Browser, build, DATABASE_KIND, loginAs, PASSWORD, seedFirstAdmin, seedUser } from '../helper.js'
import { verify } from '../validation/fixtures.js'

t.test(
  `users disable: no sign-in, sessions end, tokens inactive; enable restores sign-in (${DATABASE_KIND})`,
  async (t) => {
    const { app } = await build(t)
    const admin = await seedFirstAdmin(app)
    const person = await seedUser(app, 'publish', { accountId: admin.accountId })
    const browser = await loginAs(app, person)
    const token = await personalToken(app, person, 'browse')
    t.equal((await verify(app, token)).statusCode, 200, 'the token works before')
    t.equal((await browser.get('/settings/profile/sessions')).statusCode, 200, 'the session works before')

    const context = fromCli(app.config.now())
    const outcome = await setUserDisabled(
      app.db,
      { email: person.email.toUpperCase(), disabled: true },
      context,
    )
    t.same(outcome, { userId: person.userId, changed: true, sessionsEnded: 1 }, 'email matches in any case')

    t.equal(
      (await browser.get('/settings/profile/sessions')).statusCode,
      303,
      'the session cookie stops working',
    )
    t.equal((await verify(app, token)).statusCode, 401, 'the token answers inactive')
    const refused = new Browser(app)
    await refused.get('/login')
    const attempt = await refused.post('/login', { email: person.email, password: PASSWORD })
    t.equal(attempt.statusCode, 401, 'a disabled user cannot sign in')
    t.match(attempt.body, 'Wrong email or password.', 'the same answer as a wrong password')
    const sessions = await app.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', person.userId)
      .execute()
    t.equal(sessions.length, 0, 'no session rows are left')

    const twice = await setUserDisabled(app.db, { email: person.email, disabled: true }, context)
    t.same(
      twice,
      { userId: person.userId, changed: false, sessionsEnded: 0 },
      'disabling again changes nothing',
    )

    const enabled = await setUserDisabled(app.db, { email: person.email, disabled: false }, context)
    t.equal(enabled.changed, true)
    t.equal((await verify(app, token)).statusCode, 200, 'the token works again')
    const back = new Browser(app)
    await back.login(person.email)
    t.equal((await back.get('/settings/profile/sessions')).statusCode, 200, 'enable restores sign-in')
    t.equal(
      (await browser.get('/settings/profile/sessions')).statusCode,
      303,
      'the ended session stays ended',
    )

    const events = await app.db
      .selectFrom('audit_events')
      .select(['account_id', 'action', 'target_id', 'actor_label'])
      .where('action', 'in', ['user.disabled', 'user.enabled'])
      .orderBy('id')
      .execute()
    t.same(
      events.map((e) => [e.action, e.account_id, e.target_id, e.actor_label]),
      [
        ['user.disabled', null, String(person.userId), 'cli'],
        ['user.disabled', admin.accountId, String(person.userId), 'cli'],
        ['user.enabled', null, String(person.userId), 'cli'],
        ['user.enabled', admin.accountId, String(person.userId), 'cli'],
      ],
      "each in the person's own history and their account's log, once per change",
    )
  },
)

t.test('users disable: an unknown email is a NotFoundError and changes nothing', async (t) => {
  const { app } = await build(t)
  await seedFirstAdmin(app)
  const error = await setUserDisabled(
    app.db,
    { email: 'nobody@example.com', disabled: true },
    fromCli(app.config.now()),
  ).catch((e: unknown) => e)
  t.ok(error instanceof NotFoundError, 'a 404-class error')
  t.match((error as Error).message, 'No user has the email nobody@example.com.')
  const events = await app.db
    .selectFrom('audit_events')
    .select('id')
    .where('action', '=', 'user.disabled')
    .execute()
  t.equal(events.length, 0)
})
