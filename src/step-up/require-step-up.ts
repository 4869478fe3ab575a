import type { FastifyReply, FastifyRequest } from 'fastify'
import { fromViewer } from '../audit/context.js'
import { AppError } from '../errors.js'
import type { Viewer } from '../http/session.js'
import { factorsOf } from '../two-factor/has-factor.js'
import { confirmStepUp } from './confirm.js'
import { carriedFields, type FormFields, removeFields } from './form-fields.js'
import { STEP_UP_METHODS } from './methods.js'
import { passkeyOffer } from './passkey-method.js'
import { provedRecently, STEP_UP_MAX_AGE_SECONDS } from './recent.js'

const METHOD_FIELDS = STEP_UP_METHODS.map((method) => method.field)

export interface StepUpAction {
  /** What the person is doing, after "To …": "create an API token". */
  action: string
  /** Where "Cancel" goes: the page the form was on. */
  back: string
}

/**
 * preHandler for the actions CONTRACT 9 lists (after the role check; the page
 * scope's CSRF check has run). A sign-in or step-up within ten minutes lets the
 * action go on. Otherwise the answer is the confirmation page instead of the
 * action: it carries every field of the form as hidden inputs and posts back to
 * the same URL with a proof (STEP_UP_METHODS). A right proof is recorded
 * (`confirmStepUp`) and this same request goes on to the action with the form as
 * it was; a wrong one shows the page again with the problem (400).
 */
export function requireStepUp(options: StepUpAction) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const viewer = request.viewer
    if (!viewer) return undefined // the role check before this one has answered
    const form = (request.body ?? {}) as FormFields
    const now = request.server.config.now()
    if (provedRecently(viewer, now)) {
      removeFields(form, METHOD_FIELDS)
      return undefined
    }
    const method = STEP_UP_METHODS.find((m) => typeof form[m.field] === 'string' && form[m.field] !== '')
    if (!method) return confirmationPage(request, reply, viewer, options)
    let amr: string
    try {
      amr = await method.verify(request, reply, viewer, form[method.field] as string)
    } catch (error) {
      if (!(error instanceof AppError) || error.statusCode !== 400) throw error
      return confirmationPage(request, reply.code(400), viewer, options, error.message)
    }
    const { user, sessionIdHash } = viewer
    await confirmStepUp(request.server.db, { userId: user.id, sessionIdHash, amr, now }, fromViewer(request))
    request.log.info({ userId: user.id, method: amr }, 'step-up confirmed')
    viewer.authenticatedAt = now
    removeFields(form, METHOD_FIELDS)
    return undefined
  }
}

async function confirmationPage(
  request: FastifyRequest,
  reply: FastifyReply,
  viewer: Viewer,
  options: StepUpAction,
  problem?: string,
): Promise<FastifyReply> {
  const factors = await factorsOf(request.server.db, viewer.user.id)
  const offered = Object.fromEntries(STEP_UP_METHODS.map((m) => [m.field, m.offered(factors)]))
  const passkeyOptions = offered.step_up_passkey ? await passkeyOffer(request, reply, viewer) : undefined
  await reply.page('step-up/confirm', {
    title: 'Confirm it’s you',
    action: options.action,
    back: options.back,
    formAction: request.url,
    fields: carriedFields((request.body ?? {}) as FormFields, METHOD_FIELDS),
    minutes: STEP_UP_MAX_AGE_SECONDS / 60,
    offered,
    passkeyOptions,
    problem,
  })
  return reply
}
