import t from 'tap'
import { passkeyStepUpOptions, verifyPasskeyForUser } from '../../src/passkeys/step-up.js'
import { TestClock } from '../fixtures.js'
import { build, DATABASE_KIND, loginAs, seedFirstAdmin, seedUser } from '../helper.js'
import { addPasskey } from './ceremony.js'
import { SoftAuthenticator } from './soft-authenticator.js'

// What the step-up confirmation calls (step-up/passkey-method.ts; the page itself is
// tested in test/step-up/second-factors.test.ts): an assertion for a known
// signed-in person, purpose passkey_step_up.

const ORIGIN = { ip: '127.0.0.1', userAgent: 'test' }

t.test(`verifyPasskeyForUser: the person's own passkey, once, in time (${DATABASE_KIND})`, async (t) => {
  const clock = new TestClock()
  const { app, config } = await build(t, { now: clock.now })
  const admin = await seedFirstAdmin(app)
  const other = await seedUser(app, 'browse', { accountId: admin.accountId })
  const key = new SoftAuthenticator()
  const othersKey = new SoftAuthenticator()
  t.equal((await addPasskey(await loginAs(app, admin), key)).statusCode, 201)
  t.equal((await addPasskey(await loginAs(app, other), othersKey)).statusCode, 201)

  t.equal(await passkeyStepUpOptions(app.db, config, 999_999), undefined, 'no passkeys: nothing to offer')
  const offer = await passkeyStepUpOptions(app.db, config, admin.userId)
  if (!offer) throw new Error('no step-up options')
  t.same(
    offer.options.allowCredentials?.map((c) => c.id),
    [key.credentialId],
    'only the person’s passkeys are allowed',
  )
  t.equal(offer.options.userVerification, 'required')
  const response = key.assert(offer.options)
  const confirm = (userId: number, challengeId: string | undefined, answer = response) =>
    verifyPasskeyForUser(app.db, config, { userId, challengeId, response: answer }, ORIGIN)
  t.equal(await confirm(other.userId, offer.challengeId), null, "another person's challenge: null")
  const second = await passkeyStepUpOptions(app.db, config, admin.userId)
  t.equal(
    await confirm(admin.userId, second?.challengeId, key.assert(second?.options ?? { challenge: '' })),
    'hwk',
  )
  t.equal(await confirm(admin.userId, second?.challengeId), null, 'a used challenge: null')

  const third = await passkeyStepUpOptions(app.db, config, other.userId)
  const foreign = key.assert(third?.options ?? { challenge: '' })
  const counter = () =>
    app.db
      .selectFrom('passkeys')
      .select('sign_count')
      .where('credential_id', '=', key.credentialId)
      .executeTakeFirstOrThrow()
  const before = await counter()
  t.equal(await confirm(other.userId, third?.challengeId, foreign), null, "someone else's passkey: null")
  t.same(await counter(), before, 'and that passkey is not even counted as used')

  const late = await passkeyStepUpOptions(app.db, config, admin.userId)
  clock.advance(301)
  t.equal(
    await confirm(admin.userId, late?.challengeId, key.assert(late?.options ?? { challenge: '' })),
    null,
    'an expired challenge: null',
  )
})
