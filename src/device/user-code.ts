import { randomInt } from 'node:crypto'

/**
 * RFC 8628 6.1: consonants only, so no vowels spell words and nothing looks
 * alike (no 0/O, 1/I/L confusion with digits). 20^8 ≈ 2.6e10 codes; guessing is
 * throttled on /device (device/guess-throttle.ts), and a code lives ten minutes.
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'
const LENGTH = 8

/** A fresh user code as the device shows it: `XXXX-XXXX`. */
export function newUserCode(): string {
  let code = ''
  for (let i = 0; i < LENGTH; i += 1) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]
  return `${code.slice(0, 4)}-${code.slice(4)}`
}

/**
 * What a person typed, read as a user code: case-insensitive, with the hyphen
 * and spaces optional (RFC 8628 6.1). Returns the code as `XXXX-XXXX`, or
 * undefined when it cannot be one (wrong length or a letter outside the alphabet).
 */
export function normaliseUserCode(typed: string): string | undefined {
  const letters = typed.toUpperCase().replace(/[\s-]/g, '')
  if (letters.length !== LENGTH) return undefined
  for (const letter of letters) if (!USER_CODE_ALPHABET.includes(letter)) return undefined
  return `${letters.slice(0, 4)}-${letters.slice(4)}`
}
