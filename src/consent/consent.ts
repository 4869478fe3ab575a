import type { FastifyReply } from 'fastify'
import { ROLE_DESCRIPTIONS } from '../accounts/roles.js'
import { amrLabel } from '../auth/amr.js'
import type { Config } from '../config.js'
import type { Application, Role } from '../db/schema.js'
import type { Viewer } from '../http/session.js'
import type { IdentityScope } from '../oauth/scope.js'
import { accountChoice, pageLink, requestParams } from './account-choice.js'
import { type Flow, signTicket, TICKET_LIFETIME_SECONDS } from './ticket.js'

/** An authorization request that passed validation, in either flow. */
export interface ConsentRequest {
  flow: Flow
  application: Application
  state: string
  /** The OAuth `redirect_uri` as sent ('' when absent, and always in the 4a flow). */
  redirectUri: string
  codeChallenge: string
  /** What is asked for: the application's permission, or a lower OAuth `scope`. */
  permission: Role
  /** The device flow: the row answered and the user code, shown so the person can compare it with the device. */
  device?: { id: number; userCode: string }
  /** The OpenID Connect scopes asked for besides the permission (code flow; none in 4a). */
  identityScopes?: readonly IdentityScope[]
  /** The OpenID Connect `nonce`, or '' (code flow). */
  nonce?: string
}

function hostOf(url: string): string {
  try {
    return url ? new URL(url).host : ''
  } catch {
    return ''
  }
}

const isWebUrl = (url: string): boolean => /^https?:\/\//i.test(url)

/**
 * What the identity scopes let the application learn, in the person's words
 * (CONTRACT 10); empty when it asks for none. openid itself means it signs the
 * person in; offline_access says nothing about the person.
 */
function identityDisclosures(scopes: readonly IdentityScope[]): { signIn: boolean; items: string[] } {
  const items: string[] = []
  if (scopes.includes('profile')) items.push('your name')
  if (scopes.includes('email')) items.push('your email address')
  return { signIn: scopes.includes('openid'), items }
}

/** The consent page of both flows: one template, with a signed ticket binding the decision to what it shows. */
export function renderConsent(
  reply: FastifyReply,
  config: Config,
  viewer: Viewer,
  request: ConsentRequest,
): FastifyReply {
  const { application, permission } = request
  const query = reply.request.query
  const path = reply.request.url.split('?')[0] ?? ''
  const choice = accountChoice(viewer, permission, query)
  const ticket = signTicket(
    {
      flow: request.flow,
      appId: application.id,
      state: request.state,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      permission,
      scopes: (request.identityScopes ?? []).join(' '),
      nonce: request.nonce ?? '',
      expiresAt: Math.floor(config.now().getTime() / 1000) + TICKET_LIFETIME_SECONDS,
      ...(request.device ? { deviceId: request.device.id } : {}),
    },
    config.sessionSecret,
    viewer.sessionIdHash,
  )
  return reply.page('consent', {
    title: `Authorize ${application.name}`,
    application: {
      id: application.id,
      name: application.name,
      description: application.description,
      url: isWebUrl(application.url) ? application.url : '',
    },
    // Where this request goes back to: the code flow's redirect_uri, or the first registered URL.
    redirectHost: hostOf(request.redirectUri || (application.redirect_urls[0] ?? '')),
    permission,
    permissionWords: ROLE_DESCRIPTIONS[permission],
    reveals: identityDisclosures(request.identityScopes ?? []),
    accounts: choice.options,
    anyEligible: choice.anyEligible,
    search: {
      path,
      query: choice.query,
      params: requestParams(query),
      page: choice.page,
      pages: choice.pages,
      matching: choice.matching,
      total: viewer.accounts.length,
      previous: choice.page > 1 ? pageLink(path, query, choice.query, choice.page - 1) : '',
      next: choice.page < choice.pages ? pageLink(path, query, choice.query, choice.page + 1) : '',
    },
    // The header's account switcher lists every account; the consent page has its own, paged, choice.
    hideAccountSwitch: true,
    signedInWith: amrLabel(viewer.amr),
    state: request.state,
    ticket,
    // The device flow's form posts back to /device; both other flows post to /authorize.
    action: request.device ? '/device' : '/authorize',
    userCode: request.device?.userCode ?? '',
  })
}
