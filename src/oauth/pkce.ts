import { createHash } from 'node:crypto'
import { constantTimeEqual } from '../security/secrets.js'

// RFC 7636 4.1: 43 to 128 unreserved characters.
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/
// RFC 7636 4.2: an S256 challenge is BASE64URL(SHA256(verifier)), always 43 characters.
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/

export function isCodeVerifier(value: string): boolean {
  return VERIFIER.test(value)
}

export function isS256Challenge(value: string): boolean {
  return S256_CHALLENGE.test(value)
}

/** RFC 7636 4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  return constantTimeEqual(createHash('sha256').update(verifier).digest('base64url'), challenge)
}
