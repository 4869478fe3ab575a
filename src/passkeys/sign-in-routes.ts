import rateLimit from '@fastify/rate-limit'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { originOf } from '../audit/context.js'
import { safeNextPath } from '../auth/next-path.js'
import { startSession } from '../auth/start-session.js'
import { AppError, TooManyRequestsError } from '../errors.js'
import { assertionOptions } from './assertion.js'
import { answerErrorsAsJson, requireRelyingParty } from './ceremony-scope.js'
import { consumeChallengeCookie, setChallengeCookie, storeChallenge, takeChallenge } from './challenges.js'
import { AuthenticationResponse, CeremonyErrors, OptionsReply, RedirectReply } from './schemas.js'
import { signInWithPasskey } from './sign-in.js'

// Each options request keeps a challenge row for five minutes, and anyone may ask:
// per client IP and instance, at most this many a minute (at most 150 rows per IP).
const OPTIONS_PER_MINUTE = 30

const OptionsBody = Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000 })) })
const SignInBody = Type.Object({ response: AuthenticationResponse })

/**
 * "Sign in with a passkey" on /login (CONTRACT 9): the options (a challenge for
 * any discoverable credential, `?next=` kept with it), then the assertion, which
 * starts a session whose amr is `hwk` or `swk` (passkeys/assertion.ts).
 */
export const passkeySignInRoutes: FastifyPluginAsyncTypebox = async (app) => {
  answerErrorsAsJson(app)
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new TooManyRequestsError(
        `Too many passkey sign-ins from your address; try again in ${context.after}.`,
        Math.max(1, Math.ceil(context.ttl / 1000)),
      ),
  })

  app.post(
    '/login/passkey/options',
    {
      config: {
        rateLimit: { max: OPTIONS_PER_MINUTE, timeWindow: 60_000, keyGenerator: (request) => request.ip },
      },
      schema: {
        body: Type.Optional(OptionsBody),
        response: { 200: OptionsReply, ...CeremonyErrors, 429: CeremonyErrors[400] },
      },
    },
    async (request, reply) => {
      const rp = requireRelyingParty(app)
      const options = await assertionOptions(rp)
      const nextPath = safeNextPath(request.body?.next, app.config.publicUrl)
      const id = await storeChallenge(
        app.db,
        'passkey_sign_in',
        { challenge: options.challenge, userId: null, nextPath },
        app.config.now(),
      )
      setChallengeCookie(reply, id)
      return reply.header('Cache-Control', 'no-store').send({ options })
    },
  )

  app.post(
    '/login/passkey',
    { schema: { body: SignInBody, response: { 200: RedirectReply, ...CeremonyErrors } } },
    async (request, reply) => {
      const rp = requireRelyingParty(app)
      const raw = consumeChallengeCookie(request, reply)
      const challenge = await takeChallenge(app.db, 'passkey_sign_in', raw, app.config.now())
      const result = await signInWithPasskey(
        app.db,
        app.config,
        rp,
        { challenge, response: request.body.response },
        originOf(request),
        app.metrics.logins,
      )
      if (!result.ok) {
        throw new AppError(
          401,
          'Authentication Failed',
          'This passkey could not sign you in. Try again, or sign in with your email and password.',
        )
      }
      await startSession(reply, result.userId, result.accountId, result.amr)
      request.log.info({ userId: result.userId, amr: result.amr }, 'signed in with a passkey')
      return reply.header('Cache-Control', 'no-store').send({ redirect: result.nextPath })
    },
  )
}
