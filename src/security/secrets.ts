import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** A URL-safe random string carrying `bytes` bytes of entropy (session ids, codes, secrets). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** The lookup hash stored in place of a high-entropy secret. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

/** Compares two strings without leaking where they differ; `===` is never used on secrets. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest()
  const right = createHash('sha256').update(b).digest()
  return timingSafeEqual(left, right) && a.length === b.length
}
