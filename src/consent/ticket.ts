import { createHmac } from 'node:crypto'
import { isRole } from '../accounts/roles.js'
import type { Role } from '../db/schema.js'
import { constantTimeEqual } from '../security/secrets.js'

/** Which flow a consent belongs to: the application flow (4a), the OAuth code flow (4b) or the device flow (CONTRACT 10). */
export type Flow = 'app' | 'code' | 'device'

/**
 * Everything the consent page showed and the decision must stay bound to. It
 * travels in the consent form as a signed "consent ticket", so the POST cannot
 * be replayed for another application, another state or another PKCE
 * challenge, nor in another session.
 *
 * It carries no accounts: a person may have thousands, and a ticket listing
 * them outgrew the form (issue 11, item 6). Which account may be chosen is
 * decided when the decision arrives, from the person's effective role read in
 * the granting transaction (`grantAuthorization`), so the ticket's size does
 * not depend on the number of accounts.
 */
export interface ConsentTicket {
  flow: Flow
  appId: number
  /** The client's `state`, or '' when none was given. */
  state: string
  /** The `redirect_uri` the OAuth client sent, or '' when it sent none (always '' in the 4a flow). */
  redirectUri: string
  /** The PKCE S256 challenge, or '' (4b only). */
  codeChallenge: string
  /** The permission shown and consented to (the application's, or a lower `scope`). */
  permission: Role
  /** The OpenID Connect scopes consented to, space-separated ('' or absent: none; CONTRACT 10). */
  scopes?: string
  /** The OpenID Connect nonce, or '' / absent. */
  nonce?: string
  /** Seconds since the epoch after which the form is stale. */
  expiresAt: number
  /** The device authorization the person answers (the device flow only). */
  deviceId?: number
}

export const TICKET_LIFETIME_SECONDS = 30 * 60

/**
 * Longest ticket accepted. Its fields are bounded (state by MAX_STATE_LENGTH,
 * the redirect URI by equalling the registered one), so an honest ticket stays
 * far below this whatever the person's accounts.
 */
export const MAX_TICKET_LENGTH = 8000

// The MAC also covers the session (its id hash is never put in the page), so a
// ticket copied into another session fails to verify.
function mac(secret: string, payload: string, sessionIdHash: string): string {
  return createHmac('sha256', secret)
    .update(`latchkey consent ticket v2\n${sessionIdHash}\n${payload}`)
    .digest('base64url')
}

export function signTicket(ticket: ConsentTicket, secret: string, sessionIdHash: string): string {
  const payload = Buffer.from(JSON.stringify(ticket)).toString('base64url')
  return `${payload}.${mac(secret, payload, sessionIdHash)}`
}

function isTicket(value: unknown): value is ConsentTicket {
  const t = value as Partial<ConsentTicket> | null
  return (
    typeof t === 'object' &&
    t !== null &&
    (t.flow === 'app' || t.flow === 'code' || t.flow === 'device') &&
    (t.deviceId === undefined || Number.isInteger(t.deviceId)) &&
    Number.isInteger(t.appId) &&
    typeof t.state === 'string' &&
    typeof t.redirectUri === 'string' &&
    typeof t.codeChallenge === 'string' &&
    isRole(t.permission) &&
    (t.scopes === undefined || typeof t.scopes === 'string') &&
    (t.nonce === undefined || typeof t.nonce === 'string') &&
    typeof t.expiresAt === 'number'
  )
}

/**
 * The ticket when its signature is good for this session under any of the
 * secrets and it has not expired; otherwise undefined. Tickets are signed with
 * the first secret only; the others keep a consent page opened before a
 * rotation working (CONTRACT 12).
 */
export function verifyTicket(
  raw: unknown,
  secrets: readonly string[],
  sessionIdHash: string,
  now: Date,
): ConsentTicket | undefined {
  if (typeof raw !== 'string' || raw.length > MAX_TICKET_LENGTH) return undefined
  const [payload, signature, extra] = raw.split('.')
  if (!payload || !signature || extra !== undefined) return undefined
  if (!secrets.some((secret) => constantTimeEqual(signature, mac(secret, payload, sessionIdHash)))) {
    return undefined
  }
  let ticket: unknown
  try {
    ticket = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  if (!isTicket(ticket) || ticket.expiresAt * 1000 <= now.getTime()) return undefined
  return ticket
}
