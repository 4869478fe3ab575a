import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'
import type { Kysely } from 'kysely'
import { type AuditContext, changeTime } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Database } from '../db/schema.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { Sealer } from '../security/sealed.js'
import { allKeys, insertKey, lockKeys, markRetired, unretiredKids } from './keys-repo.js'

export const SIGNING_ALGORITHM = 'ES256'

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>

/** The sealing purpose of private signing keys: their own key, not the TOTP secrets'. */
export const signingKeySealer = (secrets: readonly string[]) => new Sealer(secrets, 'oidc signing key')

/**
 * A fresh ES256 key pair; the kid is the public key's RFC 7638 thumbprint. The
 * private JWK leaves this function only sealed. A thumbprint is base64url, so one
 * in 64 would begin with '-' and read as an option on the command line
 * (`latchkey keys retire <kid>`): such a pair is drawn again.
 */
async function newKey(sealer: Sealer, now: Date) {
  for (;;) {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true })
    const publicJwk = await exportJWK(publicKey)
    const kid = await calculateJwkThumbprint(publicJwk)
    if (!kid.startsWith('-')) return sealedKey(sealer, now, { publicJwk, privateKey, kid })
  }
}

async function sealedKey(
  sealer: Sealer,
  now: Date,
  { publicJwk, privateKey, kid }: { publicJwk: JWK; privateKey: KeyPair['privateKey']; kid: string },
) {
  const privateJwk = await exportJWK(privateKey)
  return {
    kid,
    public_jwk: JSON.stringify({ ...publicJwk, kid, alg: SIGNING_ALGORITHM, use: 'sig' }),
    private_jwk_sealed: sealer.seal(JSON.stringify(privateJwk)),
    created_at: now,
  }
}

/**
 * Makes the first signing key when there is no unretired one (first start).
 * Instances starting together take the advisory lock in turn; the second finds
 * the first's key and makes none. True when a key was made.
 */
export async function ensureSigningKey(db: Kysely<Database>, sealer: Sealer, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await lockKeys(trx)
    if ((await unretiredKids(trx)).length > 0) return false
    await insertKey(trx, await newKey(sealer, now))
    return true
  })
}

/** `latchkey keys rotate`: a new signing key; the older ones stay in the JWKS until retired. */
export async function rotateSigningKey(
  db: Kysely<Database>,
  sealer: Sealer,
  audit: AuditContext,
): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await lockKeys(trx)
    const key = await newKey(sealer, changeTime(audit))
    await insertKey(trx, key)
    await recordChange(trx, audit, {
      event: { accountId: null, action: 'signing_key.rotated', targetType: 'signing_key', targetId: key.kid },
      invalidate: [],
    })
    return key.kid
  })
}

/**
 * `latchkey keys retire <kid>`: the key leaves the JWKS, so id tokens it signed
 * no longer verify. The signing key (the newest unretired one) is refused: with
 * nothing newer, retiring it would leave instances signing with a key no client
 * can verify. Rotate first, then retire the old key.
 */
export async function retireSigningKey(
  db: Kysely<Database>,
  kid: string,
  audit: AuditContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockKeys(trx)
    const live = await unretiredKids(trx)
    if (!live.includes(kid)) throw new NotFoundError(`No unretired signing key ${kid}.`)
    if (live[0] === kid) {
      throw new ConflictError(
        `${kid} is the current signing key; run "latchkey keys rotate" first, then retire it.`,
      )
    }
    await markRetired(trx, kid, changeTime(audit))
    await recordChange(trx, audit, {
      event: { accountId: null, action: 'signing_key.retired', targetType: 'signing_key', targetId: kid },
      invalidate: [],
    })
  })
}

export interface SigningKeySummary {
  kid: string
  algorithm: string
  created_at: Date
  retired_at: Date | null
  signing: boolean
}

/** `latchkey keys list`: every key, newest first, and which one signs. */
export async function listSigningKeys(db: Kysely<Database>): Promise<SigningKeySummary[]> {
  const rows = await allKeys(db)
  const signing = rows.find((row) => row.retired_at === null)?.kid
  return rows.map((row) => ({
    kid: row.kid,
    algorithm: row.algorithm,
    created_at: row.created_at,
    retired_at: row.retired_at,
    signing: row.kid === signing,
  }))
}
