import type { Application } from '../db/schema.js'
import { constantTimeEqual, randomSecret, sha256Hex } from '../security/secrets.js'

/**
 * Client secrets are 256-bit random strings, so a SHA-256 hash is enough to
 * store them (no argon2: it would cost ~20 ms per check on the introspection
 * and token endpoints, for no gain against a secret that cannot be guessed).
 */
export function generateClientSecret(): { secret: string; hash: string } {
  const secret = `lkc_${randomSecret(32)}`
  return { secret, hash: sha256Hex(secret) }
}

export function clientSecretMatches(
  application: Pick<Application, 'client_secret_hash'>,
  presented: string,
): boolean {
  return constantTimeEqual(sha256Hex(presented), application.client_secret_hash)
}
