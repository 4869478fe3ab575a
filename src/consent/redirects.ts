import type { FastifyReply } from 'fastify'

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
