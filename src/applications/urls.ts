import { BadRequestError } from '../errors.js'

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/** The trimmed field and its parsed URL; undefined when the field is empty (no URL). */
function parsedUrl(raw: string, field: string, unparsable: string): { value: string; url: URL } | undefined {
  const value = raw.trim()
  if (value === '') return undefined
  try {
    return { value, url: new URL(value) }
  } catch {
    throw new BadRequestError(`${field} ${unparsable}`)
  }
}

/**
 * A registered redirect URL (CONTRACT 4a.5): `https://…`, or `http://` on a
 * loopback host; no fragment. Credentials in the URL are refused too. Empty
 * means "no redirect URL": the token is shown on a page instead.
 *
 * Returned as the WHATWG URL parser serialises it, which is what is stored: the
 * URL that was checked is the URL that is used, and it is plain ASCII (`€`
 * percent-encoded, a newline dropped, a host in punycode), so a Location header
 * built from it cannot fail (issue 11, item 10).
 */
export function validateRedirectUrl(raw: string, field = 'redirect_url'): string {
  const parsed = parsedUrl(raw, field, 'must be an absolute URL')
  if (!parsed) return ''
  const { value, url } = parsed
  if (url.href.length > 2000) throw new BadRequestError(`${field} must be at most 2000 characters`)
  if (url.hash || value.includes('#')) throw new BadRequestError(`${field} must not contain a fragment (#)`)
  if (url.username || url.password) throw new BadRequestError(`${field} must not contain credentials`)
  if (url.protocol === 'https:') return url.href
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return url.href
  throw new BadRequestError(
    `${field} must use https (http is allowed only for localhost, 127.0.0.1 and [::1])`,
  )
}

/** An application's home page: an http(s) URL, or empty; stored serialised like a redirect URL. */
export function validateHomepageUrl(raw: string, field = 'url'): string {
  const parsed = parsedUrl(raw, field, 'must be an absolute http(s) URL')
  if (!parsed) return ''
  const { url } = parsed
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new BadRequestError(`${field} must be an http(s) URL`)
  if (url.href.length > 2000) throw new BadRequestError(`${field} must be at most 2000 characters`)
  return url.href
}

/**
 * Whether a client's `redirect_uri` names the registered redirect URL. Registered
 * URLs are stored serialised (`https://app.example` as `https://app.example/`), so
 * the client's string is compared as it is and, failing that, serialised the same
 * way: a client that registered and sends `https://app.example` keeps working.
 * Nothing else is loosened (no prefix, port or query matching), and the redirect
 * always goes to the stored URL, never to the client's string.
 */
export function namesRegisteredRedirect(given: string, registered: string): boolean {
  if (given === registered) return true
  try {
    return new URL(given).href === registered
  } catch {
    return false
  }
}
