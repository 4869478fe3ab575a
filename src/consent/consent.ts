import type { FastifyReply } from 'fastify'
import { ROLE_DESCRIPTIONS } from '../accounts/roles.js'
import { ineligibility } from '../authorizations/service.js'
import type { Config } from '../config.js'
import type { Application, Role } from '../db/schema.js'
import type { Viewer } from '../http/session.js'
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
}

/** An account as the consent page offers it: choosable, or disabled with the reason. */
export interface ConsentAccountOption {
  id: number
  name: string
  role: Role
  /** Why it cannot be chosen; undefined when it can. */
  reason: string | undefined
  selected: boolean
}

/**
 * Every account the viewer can act on; those where the effective role is below
 * the requested permission are disabled with the reason (CONTRACT 4a.3). One
 * eligible account is preselected: the current account when it qualifies.
 */
export function accountChoices(viewer: Viewer, permission: Role): ConsentAccountOption[] {
  const choices = viewer.accounts.map((account) => ({
    id: account.id,
    name: account.name,
    role: account.role,
    reason: ineligibility(account.role, permission),
    selected: false,
  }))
  const eligible = choices.filter((c) => !c.reason)
  const preselected = eligible.find((c) => c.id === viewer.account?.id) ?? eligible[0]
  if (preselected) preselected.selected = true
  return choices
}

function hostOf(url: string): string {
  try {
    return url ? new URL(url).host : ''
  } catch {
    return ''
  }
}

const isWebUrl = (url: string): boolean => /^https?:\/\//i.test(url)

/** The consent page of both flows: one template, with a signed ticket binding the decision to what it shows. */
export function renderConsent(
  reply: FastifyReply,
  config: Config,
  viewer: Viewer,
  request: ConsentRequest,
): FastifyReply {
  const { application, permission } = request
  const accounts = accountChoices(viewer, permission)
  const ticket = signTicket(
    {
      flow: request.flow,
      appId: application.id,
      state: request.state,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      permission,
      accountIds: accounts.filter((a) => !a.reason).map((a) => a.id),
      expiresAt: Math.floor(config.now().getTime() / 1000) + TICKET_LIFETIME_SECONDS,
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
    redirectHost: hostOf(application.redirect_url),
    permission,
    permissionWords: ROLE_DESCRIPTIONS[permission],
    accounts,
    anyEligible: accounts.some((a) => !a.reason),
    state: request.state,
    ticket,
  })
}
