import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto'

/**
 * Secrets Latchkey must read back (TOTP secrets; later, signing keys) are kept
 * sealed: AES-256-GCM under a key derived from SESSION_SECRET with HKDF-SHA256,
 * one key per purpose, so the database alone reveals nothing. Node's crypto does
 * all of it; no library adds anything here.
 *
 * SESSION_SECRET may list several secrets (CONTRACT 12): the first seals, any of
 * them opens. The sealed text names the key it was sealed with (the first bytes
 * of the key's SHA-256), so opening tries no key in vain, and `isSealedWithCurrent`
 * tells a caller that the value should be sealed again under the first secret.
 *
 * Format: `v1.<key id>.<iv, base64url>.<ciphertext and GCM tag, base64url>`.
 */
export class Sealer {
  private readonly keys: { id: string; key: Buffer }[]

  constructor(secrets: readonly string[], purpose: string) {
    if (secrets.length === 0) throw new Error('Sealer needs at least one secret')
    this.keys = secrets.map((secret) => {
      const key = Buffer.from(hkdfSync('sha256', secret, 'latchkey', `latchkey sealed ${purpose}`, 32))
      return { id: createHash('sha256').update(key).digest('base64url').slice(0, 8), key }
    })
  }

  seal(plain: string): string {
    const { id, key } = this.keys[0] as { id: string; key: Buffer }
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    cipher.setAAD(Buffer.from(id))
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()])
    return `v1.${id}.${iv.toString('base64url')}.${body.toString('base64url')}`
  }

  /** The plain text; throws when the value was sealed under none of the secrets or was altered. */
  open(sealed: string): string {
    const [version, id, iv, body] = sealed.split('.')
    const entry = this.keys.find((candidate) => candidate.id === id)
    if (version !== 'v1' || !entry || !iv || !body) {
      throw new Error('sealed value unknown: sealed under a secret SESSION_SECRET no longer lists')
    }
    const bytes = Buffer.from(body, 'base64url')
    const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'))
    decipher.setAAD(Buffer.from(entry.id))
    decipher.setAuthTag(bytes.subarray(bytes.length - 16))
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString(
      'utf8',
    )
  }

  /** Whether the value is sealed under the first (current) secret. */
  isSealedWithCurrent(sealed: string): boolean {
    return sealed.split('.')[1] === this.keys[0]?.id
  }
}
