/** A query or form parameter sent more than once (RFC 6749 3.1: "MUST NOT be included more than once"). */
export const REPEATED = Symbol('repeated')

/** One parameter of a parsed query string or form: its value, undefined, or REPEATED. */
export function param(source: unknown, name: string): string | undefined | typeof REPEATED {
  if (typeof source !== 'object' || source === null) return undefined
  const value = (source as Record<string, unknown>)[name]
  if (value === undefined) return undefined
  if (typeof value === 'string') return value
  return REPEATED
}

/** Longest `state` accepted; it is echoed into a redirect URL. */
export const MAX_STATE_LENGTH = 1000

/** Longest OpenID Connect `nonce` accepted; it travels in the consent ticket and the id token. */
export const MAX_NONCE_LENGTH = 255
