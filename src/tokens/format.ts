import { randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'
import type { TokenKind } from '../db/schema.js'
import { sha256Hex } from '../security/secrets.js'

/**
 * Token format (CONTRACT section 2): `lka_` (application) or `lkp_` (personal),
 * then 43 base62 characters carrying 256 random bits, then 6 base62 characters of
 * the CRC32 of everything before them. The checksum lets a typo or a forged
 * string be rejected without touching the database, and lets secret scanners
 * recognise real tokens. A client-credentials token is an application's access
 * token, so it is `lka_` too (CONTRACT 10); only its row says `client`.
 */
export const TOKEN_PREFIXES = {
  application: 'lka_',
  personal: 'lkp_',
  client: 'lka_',
} as const satisfies Record<TokenKind, string>

/** Refresh tokens (CONTRACT 10): the same format under their own prefix; never accepted as access tokens. */
export const REFRESH_TOKEN_PREFIX = 'lkr_'

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const BODY_LENGTH = 43
const CHECKSUM_LENGTH = 6
export const TOKEN_LENGTH = 4 + BODY_LENGTH + CHECKSUM_LENGTH
const SHAPE = /^lk[ap]_[0-9A-Za-z]{49}$/
const REFRESH_SHAPE = /^lkr_[0-9A-Za-z]{49}$/

export function base62(value: bigint, width: number): string {
  let out = ''
  let rest = value
  while (rest > 0n) {
    out = ALPHABET[Number(rest % 62n)] + out
    rest /= 62n
  }
  return out.padStart(width, '0')
}

// A CRC32 fits a double exactly, so the checksum is computed with numbers: BigInt
// arithmetic cost about 0.8 µs a check, on the path of every validation.
function checksumOf(text: string): string {
  let out = ''
  let rest = crc32(text)
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[rest % 62] + out
    rest = Math.floor(rest / 62)
  }
  return out
}

function mint(prefix: string): string {
  const body = base62(BigInt(`0x${randomBytes(32).toString('hex')}`), BODY_LENGTH)
  const head = prefix + body
  return head + checksumOf(head)
}

function wellFormed(raw: string, shape: RegExp): boolean {
  if (raw.length !== TOKEN_LENGTH || !shape.test(raw)) return false
  const head = raw.slice(0, TOKEN_LENGTH - CHECKSUM_LENGTH)
  return checksumOf(head) === raw.slice(TOKEN_LENGTH - CHECKSUM_LENGTH)
}

/** A new token of the given kind; the caller stores only `hashToken(token)`. */
export function generateToken(kind: TokenKind): string {
  return mint(TOKEN_PREFIXES[kind])
}

/** A new refresh token (`lkr_…`); the caller stores only `hashToken(token)`. */
export function generateRefreshToken(): string {
  return mint(REFRESH_TOKEN_PREFIX)
}

/**
 * What the prefix of a well-formed access token with a valid checksum says
 * (`lka_`: an application's, whether issued for a person or by client
 * credentials), or undefined. Never touches the database.
 */
export function parseToken(raw: string): 'application' | 'personal' | undefined {
  if (!wellFormed(raw, SHAPE)) return undefined
  return raw.startsWith(TOKEN_PREFIXES.application) ? 'application' : 'personal'
}

/** Every prefix Latchkey issues a secret under: access tokens' and refresh tokens'. */
const ISSUED_PREFIXES = [...new Set([...Object.values(TOKEN_PREFIXES), REFRESH_TOKEN_PREFIX])]

/**
 * The regular expression secret scanners look for (GitHub custom patterns,
 * gitleaks, trufflehog; the README publishes it, test/tokens/token-pattern.test.ts
 * keeps the two equal): any prefix Latchkey issues (access and refresh tokens),
 * then the body and checksum, standing alone as a word. RE2 syntax (no
 * lookarounds), so Go scanners take it as is; a match is a token only when
 * `parseAnyToken` accepts its checksum too.
 */
export const TOKEN_PATTERN = `\\b(?:${ISSUED_PREFIXES.map((prefix) => prefix.slice(0, -1)).join('|')})_[0-9A-Za-z]{${TOKEN_LENGTH - 4}}\\b`

/**
 * What a leaked string is, for the scanner and the leak report: an access
 * token (`parseToken`), a refresh token, or nothing. Never touches the database.
 */
export function parseAnyToken(raw: string): 'application' | 'personal' | 'refresh' | undefined {
  return parseToken(raw) ?? (isRefreshToken(raw) ? 'refresh' : undefined)
}

/** Whether a string is a well-formed refresh token with a valid checksum. Never touches the database. */
export function isRefreshToken(raw: string): boolean {
  return wellFormed(raw, REFRESH_SHAPE)
}

/** The lookup key stored in place of the token. */
export function hashToken(token: string): string {
  return sha256Hex(token)
}

/** What lists show: the prefix and the last four characters. */
export function tokenHint(token: string): string {
  return `${token.slice(0, 4)}…${token.slice(-4)}`
}
