import { importJWK, type JWK, SignJWT } from 'jose'
import type { Kysely } from 'kysely'
import { fromCli } from '../audit/context.js'
import type { Database } from '../db/schema.js'
import type { Sealer } from '../security/sealed.js'
import { type SigningKeyRow, unretiredKeys } from './keys-repo.js'
import { ensureSigningKey, rotateSigningKey, SIGNING_ALGORITHM } from './keys-service.js'
import type { PublicJwk } from './schemas.js'

/**
 * How long an instance trusts the keys it read (CONTRACT 10: a key made by
 * `latchkey keys rotate` signs on every instance within 60 s). Timed on the
 * injected clock, so tests move it instead of waiting.
 */
export const KEY_REFRESH_MS = 60_000

type PrivateKey = Awaited<ReturnType<typeof importJWK>>

interface KeySet {
  readAt: number
  kid: string
  privateKey: PrivateKey
  publicJwks: PublicJwk[]
}

/**
 * This instance's view of the signing keys: the newest unretired key signs,
 * every unretired key is published. Read from the database at start and again
 * when the view is older than KEY_REFRESH_MS; concurrent callers share one read.
 */
export class SigningKeys {
  private keys: KeySet | undefined
  private reading: Promise<KeySet> | undefined

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sealer: Sealer,
    private readonly now: () => Date,
    private readonly warn: (message: string, error?: unknown) => void = () => {},
  ) {}

  /**
   * At start: makes the first key if there is none, and reads them. A database
   * that does not answer yet does not stop the server from starting (`/readyz`
   * says 503 meanwhile): the keys are read on first use instead.
   */
  async start(): Promise<void> {
    try {
      await ensureSigningKey(this.db, this.sealer, this.now())
      this.keys = await this.read()
    } catch (error) {
      this.warn('signing keys not loaded at start; they are read when first needed', error)
    }
  }

  /** Signs a JWT with the current key (`kid` in the header, ES256). */
  async sign(claims: Record<string, unknown>): Promise<string> {
    const keys = await this.current()
    return new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: keys.kid, typ: 'JWT' })
      .sign(keys.privateKey)
  }

  /** The public keys of the JWKS (RFC 7517), signing key first. */
  async publicKeys(): Promise<PublicJwk[]> {
    return (await this.current()).publicJwks
  }

  private async current(): Promise<KeySet> {
    const keys = this.keys
    if (keys && this.now().getTime() - keys.readAt < KEY_REFRESH_MS) return keys
    this.reading ??= this.read().finally(() => {
      this.reading = undefined
    })
    this.keys = await this.reading
    return this.keys
  }

  private async read(): Promise<KeySet> {
    const readAt = this.now().getTime()
    let rows = await unretiredKeys(this.db)
    if (rows.length === 0) {
      await ensureSigningKey(this.db, this.sealer, this.now())
      rows = await unretiredKeys(this.db)
    }
    let signing = rows[0] as SigningKeyRow
    let privateKey = await this.privateKeyOf(signing).catch(() => undefined)
    if (!privateKey) {
      // Sealed under a SESSION_SECRET no longer listed: it cannot sign, but its
      // public half stays published so the id tokens it signed still verify. A new
      // key takes over, as `latchkey keys rotate` would make it.
      this.warn(
        `signing key ${signing.kid} cannot be opened with the listed SESSION_SECRET; making a new one`,
      )
      await rotateSigningKey(this.db, this.sealer, {
        ...fromCli(this.now()),
        actorLabel: 'latchkey server',
        userAgent: 'latchkey-server',
      })
      rows = await unretiredKeys(this.db)
      signing = rows[0] as SigningKeyRow
      privateKey = await this.privateKeyOf(signing)
    }
    return {
      readAt,
      kid: signing.kid,
      privateKey,
      publicJwks: rows.map((row) => JSON.parse(row.public_jwk) as PublicJwk),
    }
  }

  private async privateKeyOf(row: SigningKeyRow): Promise<PrivateKey> {
    if (this.keys?.kid === row.kid) return this.keys.privateKey
    const jwk = JSON.parse(this.sealer.open(row.private_jwk_sealed)) as JWK
    return importJWK(jwk, SIGNING_ALGORITHM)
  }
}
