import { parseToken } from '../tokens/format.js'

/** An incoming request's headers: Node's (lower-case keys, maybe arrays) or a WHATWG Headers. */
export type HeadersLike = Record<string, string | string[] | undefined> | { get(name: string): string | null }

function header(headers: HeadersLike, name: string): string | undefined {
  const value =
    typeof headers.get === 'function'
      ? (headers as { get(n: string): string | null }).get(name)
      : (headers as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : undefined
}

/**
 * The token of `Authorization: Bearer …` or `token: …` (CONTRACT section 2), read
 * the way Latchkey's own `/verify` reads it; undefined when there is none.
 */
export function tokenFrom(tokenOrHeaders: string | HeadersLike): string | undefined {
  if (typeof tokenOrHeaders === 'string') return tokenOrHeaders
  const authorization = header(tokenOrHeaders, 'authorization')
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    if (match?.[1]) return match[1]
  }
  const token = header(tokenOrHeaders, 'token')?.trim()
  return token || undefined
}

/**
 * True for a token of the right shape and CRC32 checksum (CONTRACT section 2),
 * checked locally so that garbage never costs a network call. format.ts loads
 * only node: modules, so reusing it keeps the library free of npm packages.
 */
export function wellFormed(token: string): boolean {
  return parseToken(token) !== undefined
}
