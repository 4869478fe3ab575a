import type { Kysely } from 'kysely'
import { findApplication } from '../applications/repo.js'
import { matchRegisteredRedirect } from '../applications/urls.js'
import type { Application, Database } from '../db/schema.js'
import type { OAuthErrorCode } from '../errors.js'
import { isS256Challenge } from '../oauth/pkce.js'
import { IDENTITY_SCOPES, parseScope } from '../oauth/scope.js'
import type { ConsentRequest } from './consent.js'
import { MAX_NONCE_LENGTH, MAX_STATE_LENGTH, param, REPEATED } from './params.js'
import { UNUSABLE_REDIRECT, usableRedirect } from './redirects.js'

/**
 * A checked `/oauth/authorize` request. RFC 6749 4.1.2.1: when the client or
 * the redirect URI is in doubt the user is told on a page and never sent
 * anywhere; every other problem goes back to the (registered) redirect URI.
 */
export type AuthorizeRequestCheck =
  | { kind: 'page'; message: string }
  | {
      kind: 'redirect'
      application: Application
      target: string
      error: OAuthErrorCode
      description: string
      state: string
    }
  | { kind: 'ok'; consent: ConsentRequest }

const page = (message: string): AuthorizeRequestCheck => ({ kind: 'page', message })

export async function checkAuthorizeRequest(
  db: Kysely<Database>,
  query: unknown,
): Promise<AuthorizeRequestCheck> {
  const clientId = param(query, 'client_id')
  if (typeof clientId !== 'string' || !/^\d{1,10}$/.test(clientId)) {
    return page('The request has no valid client_id. Go back to the application and try again.')
  }
  const application = await findApplication(db, Number(clientId))
  if (!application) return page(`There is no application with client_id ${clientId}.`)
  const registered = application.redirect_urls
  if (registered.length === 0) {
    return page(
      `${application.name} has no registered redirect URL, so it cannot use the OAuth code flow. Its developer can add one on the application's page.`,
    )
  }
  // CONTRACT 4b, 10: redirect_uri must name a registered URL (a loopback one on any
  // port); without it the registered URL is used, which is only known when there is one.
  const redirectUri = param(query, 'redirect_uri')
  if (redirectUri === REPEATED) {
    return page('The request names its redirect_uri more than once. For your safety you were not sent on.')
  }
  if (redirectUri === undefined && registered.length > 1) {
    return page(
      `${application.name} registers several redirect URLs and the request does not say which one to use (redirect_uri). For your safety you were not sent on.`,
    )
  }
  const matched = redirectUri === undefined ? registered[0] : matchRegisteredRedirect(redirectUri, registered)
  if (matched === undefined) {
    return page(
      `The redirect_uri does not match a redirect URL registered for ${application.name}. For your safety you were not sent on.`,
    )
  }

  const target = usableRedirect(matched)
  if (!target) return page(UNUSABLE_REDIRECT)
  const stateParam = param(query, 'state')
  const state = typeof stateParam === 'string' && stateParam.length <= MAX_STATE_LENGTH ? stateParam : ''
  const fail = (error: OAuthErrorCode, description: string): AuthorizeRequestCheck => ({
    kind: 'redirect',
    application,
    target,
    error,
    description,
    state,
  })
  if (stateParam === REPEATED) return fail('invalid_request', 'state was sent more than once')
  if (stateParam !== undefined && stateParam.length > MAX_STATE_LENGTH) {
    return fail('invalid_request', `state must be at most ${MAX_STATE_LENGTH} characters`)
  }

  const responseType = param(query, 'response_type')
  if (responseType === undefined) return fail('invalid_request', 'response_type is required')
  if (responseType === REPEATED) return fail('invalid_request', 'response_type was sent more than once')
  if (responseType !== 'code')
    return fail('unsupported_response_type', 'Only response_type=code is supported')

  const challenge = param(query, 'code_challenge')
  const method = param(query, 'code_challenge_method')
  if (challenge === REPEATED || method === REPEATED) {
    return fail('invalid_request', 'code_challenge and code_challenge_method may be sent once each')
  }
  if (challenge === undefined && method !== undefined) {
    return fail('invalid_request', 'code_challenge_method was sent without code_challenge')
  }
  if (challenge !== undefined && method !== 'S256') {
    return fail('invalid_request', 'code_challenge_method must be S256 (plain is not supported)')
  }
  if (challenge !== undefined && !isS256Challenge(challenge)) {
    return fail('invalid_request', 'code_challenge must be 43 base64url characters (S256)')
  }

  const scope = param(query, 'scope')
  if (scope === REPEATED) return fail('invalid_request', 'scope was sent more than once')
  // CONTRACT 10: one permission (the application's by default) plus identity scopes.
  const parsed = parseScope(scope, application.permission)
  if (!parsed.ok) return fail('invalid_scope', parsed.description)
  const nonce = param(query, 'nonce')
  if (nonce === REPEATED) return fail('invalid_request', 'nonce was sent more than once')
  if (nonce !== undefined && nonce.length > MAX_NONCE_LENGTH) {
    return fail('invalid_request', `nonce must be at most ${MAX_NONCE_LENGTH} characters`)
  }

  return {
    kind: 'ok',
    consent: {
      flow: 'code',
      application,
      state,
      redirectUri: redirectUri ?? '',
      codeChallenge: challenge ?? '',
      permission: parsed.scope.permission,
      identityScopes: IDENTITY_SCOPES.filter((word) => parsed.scope.identity.has(word)),
      nonce: nonce ?? '',
    },
  }
}
