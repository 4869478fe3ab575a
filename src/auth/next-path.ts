/**
 * `?next=` accepts only a local path: it must start with a single `/`, and must
 * not be protocol-relative (`//host`), use a backslash (browsers read `/\host` as
 * `//host`), or hold control characters. Anything else falls back to `/`.
 */
export function safeNextPath(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2000) return '/'
  if (!raw.startsWith('/') || raw.startsWith('//')) return '/'
  if (raw.includes('\\') || [...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return '/'
  try {
    const url = new URL(raw, 'http://latchkey.invalid')
    if (url.host !== 'latchkey.invalid') return '/'
    return url.pathname + url.search
  } catch {
    return '/'
  }
}
