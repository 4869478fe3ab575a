import { matchRegisteredRedirect } from '../applications/urls.js'
import { fromViewer } from '../audit/context.js'
import { BadRequestError } from '../errors.js'
import { issueAuthorizationCode } from '../oauth/codes.js'
import type { CompleteFlow, VerifiedConsent } from './decision.js'
import { redirectBase, redirectWithSecret, withParams } from './redirects.js'

/**
 * The redirect URL the response goes to: the registered URL the request's
 * `redirect_uri` named (a loopback one with the request's port, CONTRACT 10), or
 * the only registered URL when none was sent. Checked when the consent page was
 * shown; checked again here in case the application changed its registration meanwhile.
 */
function redirectTarget(consent: VerifiedConsent): string {
  const registered = consent.application.redirect_urls
  const requested = consent.ticket.redirectUri
  const matched = requested
    ? matchRegisteredRedirect(requested, registered)
    : registered.length === 1
      ? registered[0]
      : undefined
  if (!matched) {
    throw new BadRequestError(
      'The application’s redirect URL changed while this page was open. Go back to the application and start again.',
    )
  }
  return redirectBase(matched)
}

/**
 * The end of the OAuth code flow (CONTRACT 4b): allow issues a 60-second code,
 * deny answers `access_denied`; both go back with `state` and `iss` (RFC 9207).
 */
export const completeCodeFlow: CompleteFlow = async ({ app, request, reply, viewer, consent }) => {
  const { application, ticket } = consent
  const target = redirectTarget(consent)
  const iss = app.config.publicUrl
  if (consent.decision === 'deny') {
    request.log.info({ appId: application.id }, 'authorization denied')
    return redirectWithSecret(
      reply,
      withParams(target, {
        error: 'access_denied',
        error_description: 'The user denied the request.',
        state: ticket.state,
        iss,
      }),
    )
  }
  const code = await issueAuthorizationCode(
    app.db,
    {
      application,
      accountId: consent.accountId,
      userId: viewer.user.id,
      permission: ticket.permission,
      redirectUri: ticket.redirectUri,
      codeChallenge: ticket.codeChallenge,
      // CONTRACT 10: the id token's auth_time and amr are the session's as it
      // consents (the ticket is bound to this session).
      identity: {
        scopes: ticket.scopes ?? '',
        nonce: ticket.nonce ?? '',
        authTime: viewer.authenticatedAt,
        amr: viewer.amr,
      },
    },
    app.config.now(),
    fromViewer(request),
  )
  request.log.info({ appId: application.id, accountId: consent.accountId }, 'authorization code issued')
  return redirectWithSecret(reply, withParams(target, { code, state: ticket.state, iss }))
}
