import type { PasskeyRow } from './repo.js'

/** The transports kept with a credential (comma-separated in the row), as WebAuthn lists them. */
export function transportsOf(passkey: Pick<PasskeyRow, 'transports'>): string[] | undefined {
  return passkey.transports ? passkey.transports.split(',') : undefined
}

/** Credential descriptors for `excludeCredentials` (adding) and `allowCredentials` (step-up). */
export function descriptorsOf(passkeys: PasskeyRow[]): { id: string; transports?: string[] }[] {
  return passkeys.map((p) => ({ id: p.credential_id, transports: transportsOf(p) }))
}
