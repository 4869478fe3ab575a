import { randomSecret, sha256Hex } from './secrets.js'

/**
 * The token of a mailed link (activation, invitation, password reset, email
 * change): 256 random bits, base64url, stored only as its SHA-256 — enough
 * entropy that a fast hash is safe, and a lookup by hash is an index probe.
 */
export interface LinkToken {
  token: string
  hash: string
}

export function newLinkToken(): LinkToken {
  const token = randomSecret(32)
  return { token, hash: sha256Hex(token) }
}

/** The hash to look a link up by; a value that cannot be a link token matches nothing. */
export function linkTokenHash(token: string): string | undefined {
  return /^[A-Za-z0-9_-]{43}$/.test(token) ? sha256Hex(token) : undefined
}

/** An absolute link under PUBLIC_URL, e.g. `linkUrl(url, '/activate', token)`. */
export function linkUrl(publicUrl: string, path: string, token: string): string {
  // Relative to PUBLIC_URL with its trailing slash, so a PUBLIC_URL with a path keeps it.
  const url = new URL(path.replace(/^\/+/, ''), `${publicUrl}/`)
  url.searchParams.set('token', token)
  return url.href
}
