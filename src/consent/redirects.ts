import type { FastifyReply } from 'fastify'
import { validateRedirectUrl } from '../applications/urls.js'
import { BadRequestError } from '../errors.js'

export const UNUSABLE_REDIRECT =
  'This application’s redirect URL cannot be used, so you were not sent on and nothing was authorized. Ask its developer to correct it.'

/**
 * The registered redirect URL as the URL parser serialises it (plain ASCII, so
 * a Location built from it cannot fail), or undefined when it no longer passes
 * the registration rules. Registration stores URLs serialised; this also covers
 * one stored raw before that (issue 11, item 10).
 */
export function usableRedirect(registered: string): string | undefined {
  try {
    return validateRedirectUrl(registered) || undefined
  } catch {
    return undefined
  }
}

/**
 * The redirect URL a flow will answer with ('' for none), worked out before
 * anything is issued, so a URL that cannot be used ends the flow with a page
 * instead of a token nobody receives and a 500.
 */
export function redirectBase(registered: string): string {
  if (!registered) return ''
  const usable = usableRedirect(registered)
  if (!usable) throw new BadRequestError(UNUSABLE_REDIRECT)
  return usable
}

/**
 * Adds parameters to a registered redirect URL, keeping its own query exactly
 * as registered (re-serialising it through URLSearchParams would re-encode it).
 * Registered URLs never carry a fragment (CONTRACT 4a.5). Empty values are left out.
 */
export function withParams(base: string, params: Record<string, string | number | undefined>): string {
  const added = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') added.append(name, String(value))
  }
  const query = added.toString()
  if (!query) return base
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&'
  return `${base}${separator}${query}`
}

/**
 * A 303 that carries a secret (token or code) in its Location: never cached,
 * never sent on as a Referer (RFC 6749 10.3, 10.6).
 */
export function redirectWithSecret(reply: FastifyReply, location: string): FastifyReply {
  return reply
    .header('Cache-Control', 'no-store')
    .header('Pragma', 'no-cache')
    .header('Referrer-Policy', 'no-referrer')
    .redirect(location, 303)
}
