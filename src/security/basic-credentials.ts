/** The two halves of an HTTP Basic `Authorization` header (RFC 7617). */
export interface BasicCredentials {
  username: string
  password: string
}

const BASIC = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i

/** Whether the header uses the Basic scheme at all (well-formed or not). */
export function isBasicScheme(header: string | undefined): boolean {
  return typeof header === 'string' && /^Basic\s/i.test(header)
}

/** RFC 6749 section 2.3.1: each part is form-urlencoded before the two are joined with ':'. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '))
}

/**
 * The one HTTP Basic parser: client authentication at /oauth/token and
 * /oauth/revoke, callers of /oauth/introspect, and the rate-limit key. Splits at
 * the first ':' (a password may contain colons, RFC 7617 2) and form-decodes both
 * parts. `undefined` when the header is missing, not Basic, not base64, has no
 * ':', or carries a malformed percent-escape; an empty username or password is
 * returned as it is, for the caller to refuse.
 */
export function parseBasicCredentials(header: string | undefined): BasicCredentials | undefined {
  const encoded = header ? BASIC.exec(header)?.[1] : undefined
  if (!encoded) return undefined
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  try {
    return { username: formDecode(decoded.slice(0, colon)), password: formDecode(decoded.slice(colon + 1)) }
  } catch {
    return undefined
  }
}
