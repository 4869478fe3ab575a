import type { Kysely } from 'kysely'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { qrCodeSvg } from './qr-code.js'
import { countUnusedRecoveryCodes, findTotpFactor } from './repo.js'
import { otpauthUri } from './totp.js'
import { openSecret } from './verify-code.js'

/** The authenticator section: not set up, being set up (the QR code and the secret as text), or on. */
export type TotpSection =
  | { state: 'none' }
  | { state: 'pending'; secret: string; qrSvg: string }
  | { state: 'confirmed' }
  /** Sealed under a SESSION_SECRET no longer listed: only removing it (or reset-factors) helps. */
  | { state: 'unreadable' }

export interface SecuritySections {
  totp: TotpSection
  recoveryCodesLeft: number
}

/** What the security page's sections show for a person; each section of the page is a view partial. */
export async function securitySections(
  db: Kysely<Database>,
  config: Config,
  user: { id: number; email: string },
): Promise<SecuritySections> {
  const [factor, recoveryCodesLeft] = await Promise.all([
    findTotpFactor(db, user.id),
    countUnusedRecoveryCodes(db, user.id),
  ])
  return { totp: await totpSection(config, user.email, factor), recoveryCodesLeft }
}

async function totpSection(
  config: Config,
  email: string,
  factor: Awaited<ReturnType<typeof findTotpFactor>>,
): Promise<TotpSection> {
  if (!factor) return { state: 'none' }
  if (factor.confirmed) return { state: 'confirmed' }
  const secret = openSecret(config, factor.secretSealed)
  if (secret === undefined) return { state: 'unreadable' }
  return { state: 'pending', secret, qrSvg: await qrCodeSvg(otpauthUri(email, secret)) }
}
