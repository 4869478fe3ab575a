import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { fromViewer } from '../audit/context.js'
import { noticeFor, redirectOrShowProblem } from '../http/form-outcome.js'
import { IdParams, NoticeQuery } from '../http/schemas.js'
import { requireViewer, type Viewer } from '../http/session.js'
import { checkCurrentPassword, countPasswordGuess } from '../profile/current-password.js'
import { answerErrorsAsJson, requireRelyingParty, signedInViewer } from './ceremony-scope.js'
import { consumeChallengeCookie, setChallengeCookie, storeChallenge, takeChallenge } from './challenges.js'
import { passkeyName } from './name.js'
import { finishRegistration, registrationOptions } from './registration.js'
import { removePasskey } from './removal.js'
import { CeremonyErrors, OptionsReply, RedirectReply, RegistrationResponse } from './schemas.js'
import { PASSKEYS_PATH, passkeySection } from './section.js'

const NOTICES: Record<string, string> = {
  added: 'The passkey is added: you can sign in with it.',
  removed: 'The passkey is removed: it signs nobody in any more.',
}

const RemoveForm = Type.Object({ current_password: Type.Optional(Type.String()) })
const Name = Type.Optional(Type.String({ maxLength: 1000 }))
const OptionsBody = Type.Object({ name: Name })
const AddBody = Type.Object({ name: Name, response: RegistrationResponse })

async function passkeysPage(
  reply: FastifyReply,
  viewer: Viewer,
  state: { notice?: string; problem?: string },
) {
  return reply.page('passkeys/page', {
    title: 'Passkeys',
    notice: state.notice,
    passkeyProblem: state.problem,
    passkeySection: await passkeySection(reply.server, viewer),
  })
}

/** CONTRACT 9, passkeys of the signed-in person: the section's page and removing one (a form). */
export const passkeyManageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    PASSKEYS_PATH,
    { preHandler: requireViewer, schema: { querystring: NoticeQuery } },
    async (request, reply) =>
      passkeysPage(reply, request.viewer as Viewer, { notice: noticeFor(NOTICES, request.query.notice) }),
  )

  // Removing needs a recent proof of who one is: for now the current password,
  // counted by the sign-in throttle like the profile's forms.
  app.post(
    `${PASSKEYS_PATH}/:id/remove`,
    { preHandler: requireViewer, schema: { params: IdParams, body: RemoveForm } },
    async (request, reply) => {
      const viewer = request.viewer as Viewer
      await countPasswordGuess(app.db, app.config, viewer.user.email, request.ip)
      return redirectOrShowProblem(
        reply,
        async () => {
          await checkCurrentPassword(app.db, viewer.user, request.body?.current_password ?? '', request.ip)
          await removePasskey(app.db, viewer.user.id, request.params.id, fromViewer(request))
          return `${PASSKEYS_PATH}?notice=removed`
        },
        (r, problem) => passkeysPage(r, viewer, { problem }),
      )
    },
  )
}

/** The two JSON steps of adding a passkey (registration ceremony), called by views/assets/passkeys.js. */
export const passkeyRegistrationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  answerErrorsAsJson(app)

  app.post(
    `${PASSKEYS_PATH}/options`,
    { schema: { body: Type.Optional(OptionsBody), response: { 200: OptionsReply, ...CeremonyErrors } } },
    async (request, reply) => {
      const viewer = signedInViewer(request)
      const rp = requireRelyingParty(app)
      // Said before the ceremony, not after the person has touched their authenticator.
      passkeyName(request.body?.name)
      const options = await registrationOptions(app.db, rp, viewer.user)
      const id = await storeChallenge(
        app.db,
        'passkey_register',
        { challenge: options.challenge, userId: viewer.user.id, nextPath: '' },
        app.config.now(),
      )
      setChallengeCookie(reply, id)
      return reply.header('Cache-Control', 'no-store').send({ options })
    },
  )

  app.post(
    PASSKEYS_PATH,
    {
      schema: {
        body: AddBody,
        response: { 201: RedirectReply, ...CeremonyErrors, 409: CeremonyErrors[400] },
      },
    },
    async (request, reply) => {
      const viewer = signedInViewer(request)
      const rp = requireRelyingParty(app)
      const raw = consumeChallengeCookie(request, reply)
      const challenge = await takeChallenge(app.db, 'passkey_register', raw, app.config.now())
      const id = await finishRegistration(
        app.db,
        rp,
        viewer.user,
        { challenge, name: request.body.name, response: request.body.response },
        fromViewer(request),
      )
      request.log.info({ userId: viewer.user.id, passkeyId: id }, 'passkey added')
      return reply.code(201).send({ redirect: `${PASSKEYS_PATH}?notice=added` })
    },
  )
}
