import { isIP } from 'node:net'

/** Who passkeys are made for (WebAuthn's relying party): the host name and the origin of `PUBLIC_URL`. */
export interface RelyingParty {
  rpID: string
  origin: string
}

export const RP_NAME = 'Latchkey'

/**
 * The relying party of CONTRACT 9, or undefined when `PUBLIC_URL` names an IP
 * address: browsers refuse an IP address as RP ID, so there passkeys are not
 * offered at all (`localhost` serves for development).
 */
export function relyingParty(publicUrl: string): RelyingParty | undefined {
  const url = new URL(publicUrl)
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (isIP(host) !== 0) return undefined
  return { rpID: host, origin: url.origin }
}
