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

/** How many redirect URLs an application may register (CONTRACT 10). */
export const MAX_REDIRECT_URLS = 10

/** A URL as a message quotes it: short enough to read. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
}

/**
 * An application's redirect URLs (CONTRACT 10): each must pass the rules of a
 * registered redirect URL, and a message names the one that does not. Blank
 * entries are dropped (a form's empty lines), a repeated URL is kept once, in
 * the given order; the first is the one the application flow (4a) uses.
 */
export function validateRedirectUrls(raw: readonly string[], field = 'redirect_urls'): string[] {
  const urls: string[] = []
  for (const entry of raw) {
    if (entry.trim() === '') continue
    const url = validateRedirectUrl(entry, `${field} entry ${quoted(entry.trim())}`)
    if (!urls.includes(url)) urls.push(url)
  }
  if (urls.length > MAX_REDIRECT_URLS)
    throw new BadRequestError(`${field} may list at most ${MAX_REDIRECT_URLS} URLs`)
  return urls
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

/**
 * Whether a URL is on an http loopback address, whose port a native app only
 * learns when it opens its listening socket (RFC 8252 7.3): such a registered
 * URL matches any port. `localhost` is not one of them: RFC 8252 8.3 advises
 * against it (the name may resolve to another interface, or be taken over by
 * another listener), so a `localhost` URL matches only exactly.
 */
export function isPortFreeLoopback(url: URL): boolean {
  return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === '[::1]')
}

function parsed(value: string): URL | undefined {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

/**
 * Where a client's `redirect_uri` sends the person, if it names one of the
 * registered redirect URLs (CONTRACT 4b, 10): exactly (namesRegisteredRedirect),
 * or, for a registered http loopback URL, the same URL on another port (path and
 * query still to the letter). The target is built from the registered URL (with
 * the client's port), never taken from the client's string.
 */
export function matchRegisteredRedirect(given: string, registered: readonly string[]): string | undefined {
  const exact = registered.find((url) => namesRegisteredRedirect(given, url))
  if (exact !== undefined) return exact
  const url = parsed(given)
  if (!url || !isPortFreeLoopback(url)) return undefined
  for (const candidate of registered) {
    const target = parsed(candidate)
    if (!target || !isPortFreeLoopback(target)) continue
    target.port = url.port
    if (target.href === url.href) return target.href
  }
  return undefined
}
