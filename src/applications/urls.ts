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
 */
export function validateRedirectUrl(raw: string, field = 'redirect_url'): string {
  const parsed = parsedUrl(raw, field, 'must be an absolute URL')
  if (!parsed) return ''
  const { value, url } = parsed
  if (value.length > 2000) throw new BadRequestError(`${field} must be at most 2000 characters`)
  if (url.hash || value.includes('#')) throw new BadRequestError(`${field} must not contain a fragment (#)`)
  if (url.username || url.password) throw new BadRequestError(`${field} must not contain credentials`)
  if (url.protocol === 'https:') return value
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return value
  throw new BadRequestError(
    `${field} must use https (http is allowed only for localhost, 127.0.0.1 and [::1])`,
  )
}

/** An application's home page: an http(s) URL, or empty. */
export function validateHomepageUrl(raw: string, field = 'url'): string {
  const parsed = parsedUrl(raw, field, 'must be an absolute http(s) URL')
  if (!parsed) return ''
  const { value, url } = parsed
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new BadRequestError(`${field} must be an http(s) URL`)
  if (value.length > 2000) throw new BadRequestError(`${field} must be at most 2000 characters`)
  return value
}
