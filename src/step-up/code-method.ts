import { fromViewer } from '../audit/context.js'
import { BadRequestError } from '../errors.js'
import { checkCodeCounted } from '../two-factor/counted-code.js'
import type { StepUpMethod } from './methods.js'

/**
 * Confirming with a code of the authenticator app, or a recovery code (used up,
 * audited `two_factor.recovery_code_used`): counted like a sign-in's second step
 * (two-factor/counted-code.ts). Offered to a person with a confirmed app.
 */
export const CODE_METHOD: StepUpMethod = {
  field: 'step_up_code',
  offered: (factors) => factors.totp,
  async verify(request, _reply, viewer, value) {
    const { db, config } = request.server
    if (!(await checkCodeCounted(db, config, viewer.user, value, fromViewer(request)))) {
      throw new BadRequestError('That code is not right.')
    }
    return 'otp'
  },
}
