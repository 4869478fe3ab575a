import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { findApplication } from '../applications/repo.js'
import { renderConsent } from '../consent/consent.js'
import { ConsentBody, STALE, verifyConsent } from '../consent/decision.js'
import { completeDeviceFlow } from '../consent/device-flow.js'
import { param } from '../consent/params.js'
import { BadRequestError } from '../errors.js'
import { loginRedirect, type Viewer } from '../http/session.js'
import { isIdentityScope } from '../oauth/scope.js'
import { sha256Hex } from '../security/secrets.js'
import { countGuess, guessKeys, refundGuess } from './guess-throttle.js'
import { findByUserCodeHash } from './repo.js'
import { normaliseUserCode } from './user-code.js'

/** The code entry form and the consent form, both posted to /device (the consent's fields plus `user_code`). */
const DeviceForm = Type.Object({
  ...ConsentBody.properties,
  user_code: Type.Optional(Type.String({ maxLength: 40 })),
})

const UNKNOWN = 'That code is not valid. Check it against your device and type it again.'

/**
 * `/device` (CONTRACT 10, RFC 8628 3.3): the person types the code the
 * device shows (or follows `verification_uri_complete`), signs in if needed,
 * and answers on the same consent page as the other flows, which posts back
 * here. Every lookup of a code is counted against guessing (guess-throttle.ts).
 */
export const devicePageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  function enterForm(reply: FastifyReply, status: number, userCode: string, problem = ''): FastifyReply {
    return reply.code(status).page('device/enter', { title: 'Connect a device', userCode, problem })
  }

  async function showCode(request: FastifyRequest, reply: FastifyReply, viewer: Viewer, typed: string) {
    const userCode = normaliseUserCode(typed)
    const keys = guessKeys(viewer.sessionIdHash, request.ip)
    await countGuess(app.db, app.config, keys)
    const row = userCode ? await findByUserCodeHash(app.db, sha256Hex(userCode)) : undefined
    const application = row ? await findApplication(app.db, row.application_id) : undefined
    if (!row || !userCode || !application) return enterForm(reply, 404, typed.slice(0, 40), UNKNOWN)
    await refundGuess(app.db, keys)
    const now = app.config.now()
    if (row.status !== 'pending' || row.expires_at.getTime() <= now.getTime()) {
      const reason =
        row.status !== 'pending'
          ? 'This code was already answered.'
          : 'This code has expired: a code works for ten minutes.'
      return reply.code(410).page('device/unusable', { title: 'This code can no longer be used', reason })
    }
    return renderConsent(reply, app.config, viewer, {
      flow: 'device',
      application,
      state: '',
      redirectUri: '',
      codeChallenge: '',
      permission: row.permission,
      device: { id: row.id, userCode },
      // The row's scope is formatScope's: the permission, then the identity scopes the page names.
      identityScopes: row.scope.split(' ').filter(isIdentityScope),
    })
  }

  app.get('/device', async (request, reply) => {
    if (!request.viewer) return reply.redirect(loginRedirect(request), 302)
    const typed = param(request.query, 'user_code')
    if (typeof typed !== 'string' || typed.trim() === '') return enterForm(reply, 200, '')
    return showCode(request, reply, request.viewer, typed)
  })

  app.post('/device', { schema: { body: DeviceForm } }, async (request, reply) => {
    const viewer = request.viewer
    if (!viewer) return reply.redirect(loginRedirect(request), 303)
    const form = request.body ?? {}
    if (form.decision === undefined) {
      // The code entry form: a good code goes on to the consent page at its own
      // URL, so the consent page's account search and paging keep the code.
      const userCode = normaliseUserCode(form.user_code ?? '')
      if (!userCode) return enterForm(reply, 400, (form.user_code ?? '').slice(0, 40), UNKNOWN)
      return reply.redirect(`/device?user_code=${userCode}`, 303)
    }
    const consent = await verifyConsent(app.db, app.config, viewer, form)
    if (consent.ticket.flow !== 'device') throw new BadRequestError(STALE)
    return completeDeviceFlow({ app, request, reply, viewer, consent })
  })
}
