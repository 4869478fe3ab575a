import { randomBytes } from 'node:crypto'
import { sha256Hex } from '../security/secrets.js'

export const RECOVERY_CODE_COUNT = 10

// RFC 4648 base32 in lower case: 10 characters carry 50 random bits.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

/** One recovery code as shown: `xxxxx-xxxxx`, 50 random bits. */
function newRecoveryCode(): string {
  const bytes = randomBytes(10)
  const chars = [...bytes].map((byte) => ALPHABET[byte & 31]).join('')
  return `${chars.slice(0, 5)}-${chars.slice(5)}`
}

/** A fresh set of recovery codes, to be shown once; only `recoveryCodeHash` of each is stored. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode)
}

/**
 * The stored form of a recovery code, as typed or as shown: case, spaces and the
 * dash do not matter. Undefined for what cannot be a recovery code. SHA-256 is
 * enough: the codes are random, not chosen by people.
 */
export function recoveryCodeHash(code: string): string | undefined {
  const plain = code.toLowerCase().replace(/[\s-]+/g, '')
  if (plain.length !== 10 || ![...plain].every((char) => ALPHABET.includes(char))) return undefined
  return sha256Hex(plain)
}
