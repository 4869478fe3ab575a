import { fromViewer } from '../audit/context.js'
import { answerDeviceAuthorization } from '../device/service.js'
import { BadRequestError } from '../errors.js'
import type { CompleteFlow } from './decision.js'
import { STALE } from './decision.js'

/**
 * The end of the device flow (CONTRACT 10, RFC 8628 3.3): the answer is
 * recorded on the device authorization, which the device's next poll of the
 * token endpoint turns into a token or `access_denied`. Nothing is handed to
 * the browser; the person goes back to the device.
 */
export const completeDeviceFlow: CompleteFlow = async ({ app, request, reply, viewer, consent }) => {
  const { application, ticket } = consent
  if (ticket.flow !== 'device' || ticket.deviceId === undefined) throw new BadRequestError(STALE)
  const answered = await answerDeviceAuthorization(
    app.db,
    {
      deviceId: ticket.deviceId,
      application,
      userId: viewer.user.id,
      session: { authenticatedAt: viewer.authenticatedAt, amr: viewer.amr },
      decision:
        consent.decision === 'allow' ? { allow: true, accountId: consent.accountId } : { allow: false },
    },
    app.config.now(),
    fromViewer(request),
  )
  if (!answered) {
    return reply.code(410).page('device/unusable', {
      title: 'This code can no longer be used',
      reason: 'This code has expired or was already answered.',
    })
  }
  request.log.info({ appId: application.id, decision: consent.decision }, 'device authorization answered')
  const accountId = consent.decision === 'allow' ? consent.accountId : undefined
  return reply.page('device/answered', {
    title: consent.decision === 'allow' ? 'Device connected' : 'Access denied',
    allowed: consent.decision === 'allow',
    application,
    accountName: viewer.accounts.find((a) => a.id === accountId)?.name ?? '',
    permission: ticket.permission,
  })
}
