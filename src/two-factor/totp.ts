import { generateSecret, generateURI, verify } from 'otplib'
import type { Config } from '../config.js'
import { Sealer } from '../security/sealed.js'

/**
 * TOTP as CONTRACT 9 fixes it: RFC 6238 with SHA-1, 6 digits and 30-second
 * steps (otplib's defaults, which every authenticator app reads), a code
 * accepted one step either side of now for clocks that drift.
 */
export const TOTP_PERIOD_SECONDS = 30
const WINDOW_SECONDS = TOTP_PERIOD_SECONDS
const ISSUER = 'Latchkey'

/** The TOTP secret is sealed under its own key derived from SESSION_SECRET (security/sealed.ts). */
export function totpSealer(config: Config): Sealer {
  return new Sealer(config.sessionSecrets, 'totp')
}

/** A fresh secret: 20 random bytes (160 bits, RFC 4226's recommendation) in base32. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 })
}

/** What the QR code carries: `otpauth://totp/Latchkey:<email>?secret=…&issuer=Latchkey`. */
export function otpauthUri(email: string, secret: string): string {
  return generateURI({ issuer: ISSUER, label: email, secret })
}

/** A code as people type it: digits, perhaps with spaces ("123 456"). */
export function totpCodeOf(code: string): string | undefined {
  const digits = code.replace(/\s+/g, '')
  return /^\d{6}$/.test(digits) ? digits : undefined
}

/**
 * The time step a code belongs to, when it is right for this secret within the
 * window and later than `afterStep` (a step already used is refused: a code is
 * accepted once); otherwise null. The step is what the caller stores, with a
 * conditional UPDATE, as the factor's new `last_step`.
 */
export async function matchTotp(
  secret: string,
  code: string,
  now: Date,
  afterStep: number | null,
): Promise<number | null> {
  const token = totpCodeOf(code)
  if (!token) return null
  const result = await verify({
    secret,
    token,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: WINDOW_SECONDS,
    ...(afterStep === null ? {} : { afterTimeStep: afterStep }),
  })
  // The TOTP strategy's result carries the step (otplib types it together with HOTP's).
  return result.valid && 'timeStep' in result ? result.timeStep : null
}
