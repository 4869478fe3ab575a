import type { FastifyReply, FastifyRequest } from 'fastify'
import { Value } from 'typebox/value'
import { originOf } from '../audit/context.js'
import { BadRequestError } from '../errors.js'
import type { Viewer } from '../http/session.js'
import { consumeChallengeCookie, setChallengeCookie } from '../passkeys/challenges.js'
import { AuthenticationResponse } from '../passkeys/schemas.js'
import { passkeyStepUpOptions, verifyPasskeyForUser } from '../passkeys/step-up.js'
import type { StepUpMethod } from './methods.js'

const NOT_CONFIRMED = 'The passkey did not confirm it’s you. Try again, or confirm another way.'

/**
 * Confirming with a passkey: the page's script (views/assets/passkeys.js) puts
 * the browser's assertion, as JSON, into the hidden `step_up_passkey` field. The
 * assertion answers a single-use challenge of this person (the `lk_passkey`
 * cookie), so there is nothing to guess and nothing counted; the amr is the
 * passkey's, `hwk` or `swk`.
 */
export const PASSKEY_METHOD: StepUpMethod = {
  field: 'step_up_passkey',
  offered: (factors) => factors.passkeys > 0,
  async verify(request, reply, viewer, value) {
    const response = parseJson(value)
    if (!Value.Check(AuthenticationResponse, response)) throw new BadRequestError(NOT_CONFIRMED)
    const amr = await verifyPasskeyForUser(
      request.server.db,
      request.server.config,
      { userId: viewer.user.id, challengeId: consumeChallengeCookie(request, reply), response },
      originOf(request),
    )
    if (!amr) throw new BadRequestError(NOT_CONFIRMED)
    return amr
  },
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value)
  } catch {
    return undefined
  }
}

/**
 * For the confirmation page: the assertion options (JSON, for the script) with
 * the challenge in its cookie, or undefined where passkeys are not offered (an
 * IP address in PUBLIC_URL, or the person has none).
 */
export async function passkeyOffer(
  request: FastifyRequest,
  reply: FastifyReply,
  viewer: Viewer,
): Promise<string | undefined> {
  const { db, config } = request.server
  const offer = await passkeyStepUpOptions(db, config, viewer.user.id)
  if (!offer) return undefined
  setChallengeCookie(reply, offer.challengeId)
  return JSON.stringify(offer.options)
}
