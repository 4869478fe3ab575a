import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Viewer } from '../http/session.js'
import { checkCurrentPassword, countPasswordGuess } from '../profile/current-password.js'
import type { FactorSummary } from '../two-factor/has-factor.js'
import { CODE_METHOD } from './code-method.js'
import { PASSKEY_METHOD } from './passkey-method.js'

/**
 * One way to confirm who one is on the step-up page (CONTRACT 9). The page
 * offers each method the person has; the form that comes back names the one used
 * by its field, and every method's field is removed before the action goes on.
 */
export interface StepUpMethod {
  /** The form field that carries the proof (a password, a code, a passkey assertion filled in by script). */
  field: string
  /** Whether the page offers it to a person with these factors. */
  offered(factors: FactorSummary): boolean
  /**
   * Checks the proof, counting a guess against the sign-in throttle first (past
   * the limit: a 429), and gives the RFC 8176 value of the proof, recorded with
   * `step_up.confirmed`. A wrong proof throws a 400 whose message the page shows.
   */
  verify(request: FastifyRequest, reply: FastifyReply, viewer: Viewer, value: string): Promise<string>
}

export const PASSWORD_METHOD: StepUpMethod = {
  field: 'step_up_password',
  offered: () => true,
  async verify(request, _reply, viewer, value) {
    const { db, config } = request.server
    await countPasswordGuess(db, config, viewer.user.email, request.ip)
    await checkCurrentPassword(db, viewer.user, value, request.ip)
    return 'pwd'
  },
}

/** In the order the page shows them. */
export const STEP_UP_METHODS: readonly StepUpMethod[] = [PASSWORD_METHOD, CODE_METHOD, PASSKEY_METHOD]
