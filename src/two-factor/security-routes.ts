import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { FACTOR_REQUIRED_NOTICE } from '../account-security/gate.js'
import { fromViewer } from '../audit/context.js'
import { noticeFor, redirectOrShowProblem } from '../http/form-outcome.js'
import { NoticeQuery } from '../http/schemas.js'
import { requireViewer, type Viewer } from '../http/session.js'
import { passkeySection } from '../passkeys/section.js'
import { confirmWithPasswordOrCode } from './confirm-identity.js'
import { confirmTotpEnrolment, regenerateRecoveryCodes, removeTotp, startTotpEnrolment } from './enrolment.js'
import { securitySections } from './security-page.js'

const SECURITY = '/settings/profile/security'
const field = Type.Optional(Type.String())
const CodeForm = Type.Object({ code: field })
const RemoveForm = Type.Object({ current_password: field, code: field })
/** `?required=1`: the account policy sent the person here (account-security/gate.ts, ENROL_PATH). */
const SecurityQuery = Type.Object({
  ...NoticeQuery.properties,
  required: Type.Optional(Type.String({ maxLength: 5 })),
})

const NOTICES: Record<string, string> = {
  totp_started: 'Scan the QR code with your authenticator app, then enter the code it shows.',
  totp_removed: 'The authenticator app and your recovery codes are removed.',
  passkey_added: 'The passkey is added: you can sign in with it.',
  passkey_removed: 'The passkey is removed: it signs nobody in any more.',
}

type SectionName = 'totp' | 'recovery'

interface PageState {
  notice?: string
  problem?: string
  problemFor?: SectionName
  /** New recovery codes, shown this once. */
  recoveryCodes?: string[]
}

/**
 * The security page (CONTRACT 9): second factors, one section each. The
 * authenticator app (set up with a QR code and a confirming code, removed with
 * the password or a code) and the recovery codes (regenerated as a set).
 */
export const securityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  async function securityPage(reply: FastifyReply, viewer: Viewer, state: PageState) {
    const [sections, passkeys] = await Promise.all([
      securitySections(app.db, app.config, viewer.user),
      passkeySection(app, viewer),
    ])
    return reply.page('profile/security', {
      title: 'Security',
      ...sections,
      passkeySection: passkeys,
      ...state,
    })
  }
  const viewerOf = (request: { viewer: Viewer | null }) => request.viewer as Viewer

  app.get(
    SECURITY,
    { preHandler: requireViewer, schema: { querystring: SecurityQuery } },
    async (request, reply) => {
      const viewer = viewerOf(request)
      const required = request.query.required === '1' && viewer.factorMissing
      return securityPage(reply, viewer, {
        notice: required ? FACTOR_REQUIRED_NOTICE : noticeFor(NOTICES, request.query.notice),
      })
    },
  )

  app.post(`${SECURITY}/totp`, { preHandler: requireViewer }, async (request, reply) => {
    const viewer = viewerOf(request)
    return redirectOrShowProblem(
      reply,
      async () => {
        await startTotpEnrolment(app.db, app.config, viewer.user.id)
        return `${SECURITY}?notice=totp_started`
      },
      (r, problem) => securityPage(r, viewer, { problem, problemFor: 'totp' }),
    )
  })

  app.post(
    `${SECURITY}/totp/confirm`,
    { preHandler: requireViewer, schema: { body: CodeForm } },
    async (request, reply) => {
      const viewer = viewerOf(request)
      return redirectOrShowProblem(
        reply,
        async () => {
          const recoveryCodes = await confirmTotpEnrolment(
            app.db,
            app.config,
            { userId: viewer.user.id, code: request.body?.code ?? '' },
            fromViewer(request),
          )
          request.log.info({ userId: viewer.user.id }, 'authenticator app set up')
          return securityPage(reply, viewer, {
            notice: 'Your authenticator app is set up. Keep these recovery codes somewhere safe.',
            recoveryCodes,
          })
        },
        (r, problem) => securityPage(r, viewer, { problem, problemFor: 'totp' }),
      )
    },
  )

  app.post(`${SECURITY}/recovery-codes`, { preHandler: requireViewer }, async (request, reply) => {
    const viewer = viewerOf(request)
    return redirectOrShowProblem(
      reply,
      async () => {
        const recoveryCodes = await regenerateRecoveryCodes(
          app.db,
          app.config,
          viewer.user.id,
          fromViewer(request),
        )
        return securityPage(reply, viewer, {
          notice: 'New recovery codes: the old ones no longer work. Keep these somewhere safe.',
          recoveryCodes,
        })
      },
      (r, problem) => securityPage(r, viewer, { problem, problemFor: 'recovery' }),
    )
  })

  app.post(
    `${SECURITY}/totp/remove`,
    { preHandler: requireViewer, schema: { body: RemoveForm } },
    async (request, reply) => {
      const viewer = viewerOf(request)
      const body = request.body ?? {}
      return redirectOrShowProblem(
        reply,
        async () => {
          const context = fromViewer(request)
          await confirmWithPasswordOrCode(
            app.db,
            app.config,
            viewer.user,
            { password: body.current_password ?? '', code: body.code ?? '' },
            context,
          )
          await removeTotp(app.db, viewer.user.id, context)
          request.log.info({ userId: viewer.user.id }, 'authenticator app removed')
          return `${SECURITY}?notice=totp_removed`
        },
        (r, problem) => securityPage(r, viewer, { problem, problemFor: 'totp' }),
      )
    },
  )
}
