/**
 * `?next=` is where a person goes after signing in. It is resolved against the
 * issuer's origin (`PUBLIC_URL`) with the WHATWG URL parser, the same parser
 * browsers use, and accepted only when the result stays on that origin. The
 * parser's own normalisation (`/./`, `/%2e%2e/`, `/a/../`, backslashes, tabs and
 * newlines) can turn a path into `//host`, so the normalised path is resolved a
 * second time, as the browser will resolve the `Location` header, and must come
 * back unchanged. Anything else falls back to `/`. Returns the normalised path
 * and query (percent-encoded, so always a valid header value).
 */
export function safeNextPath(raw: unknown, publicUrl: string): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2000) return '/'
  const origin = new URL(publicUrl).origin
  let resolved: URL
  try {
    resolved = new URL(raw, origin)
  } catch {
    return '/'
  }
  if (resolved.origin !== origin) return '/'
  const path = resolved.pathname + resolved.search
  const again = new URL(path, origin)
  if (again.origin !== origin || again.pathname + again.search !== path) return '/'
  return path
}
