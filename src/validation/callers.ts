import type { Kysely } from 'kysely'
import { LRUCache } from 'lru-cache'
import { clientSecretMatches } from '../applications/client-secret.js'
import { findApplication } from '../applications/repo.js'
import type { Database } from '../db/schema.js'
import { MAX_ID } from '../http/schemas.js'
import type { InvalidationFeed, InvalidationSubscriber } from '../invalidation/feed.js'
import type { Invalidation } from '../invalidation/publish.js'
import { parseBasicCredentials } from '../security/basic-credentials.js'
import { constantTimeEqual, sha256Hex } from '../security/secrets.js'
import type { CacheOutcome } from './cache.js'

/** Who is calling the introspection endpoint: a service (any token) or an application (its own tokens only). */
export type Caller = { kind: 'service'; id: number } | { kind: 'application'; id: number }

const ID = /^[1-9][0-9]{0,9}$/
// Compared against when the id is unknown, so that an unknown id costs what a wrong secret costs.
const NO_SUCH_HASH = sha256Hex('no such caller')

/** A caller's id and secret from its HTTP Basic header; undefined unless both are usable. */
export function basicCredentials(header: string | undefined): { id: number; secret: string } | undefined {
  const credentials = parseBasicCredentials(header)
  if (!credentials) return undefined
  const { username: id, password: secret } = credentials
  if (!ID.test(id) || Number(id) > MAX_ID || !secret) return undefined
  return { id: Number(id), secret }
}

/** The caller whose credentials a change touches, if any. */
function callerOf(change: Invalidation): Caller | undefined {
  switch (change.type) {
    case 'service':
      return { kind: 'service', id: change.id }
    case 'application':
    case 'client_secret':
      return { kind: 'application', id: change.id }
    default:
      return undefined
  }
}

/**
 * Checks HTTP Basic credentials of a service (`lks_…` secret) or an application
 * (`lkc_…` client secret): SHA-256 and a constant-time compare, never argon2 (the
 * secrets are 256 random bits). Verified credentials are remembered by the hash
 * of the header, so a busy caller costs one lookup per instance, not one per
 * request; entries go when a service is revoked or an application's secret
 * changes or it is deleted (announced like token changes), and whenever the
 * instance is not listening for changes.
 */
export class CallerAuthenticator implements InvalidationSubscriber {
  private readonly verified = new LRUCache<string, Caller>({
    max: 1_000,
    ttl: 10 * 60_000,
    ttlResolution: 100,
  })

  constructor(
    private readonly db: Kysely<Database>,
    private readonly feed: InvalidationFeed,
    private readonly count: (outcome: CacheOutcome) => void,
  ) {
    feed.subscribe(this)
  }

  async authenticate(header: string | undefined): Promise<Caller | undefined> {
    if (!header) return undefined
    const key = sha256Hex(header)
    if (this.feed.trusted) {
      const known = this.verified.get(key)
      this.count(known ? 'hit' : 'miss')
      if (known) return known
    } else {
      this.count('bypass')
    }
    const generation = this.feed.generation
    const caller = await this.check(header)
    if (caller && this.feed.trusted && this.feed.generation === generation) this.verified.set(key, caller)
    return caller
  }

  private async check(header: string): Promise<Caller | undefined> {
    const credentials = basicCredentials(header)
    if (!credentials) return undefined
    const { id, secret } = credentials
    if (secret.startsWith('lks_')) {
      const service = await this.db
        .selectFrom('services')
        .select(['secret_hash', 'revoked_at'])
        .where('id', '=', id)
        .executeTakeFirst()
      const matches = constantTimeEqual(sha256Hex(secret), service?.secret_hash ?? NO_SUCH_HASH)
      return service && matches && !service.revoked_at ? { kind: 'service', id } : undefined
    }
    if (secret.startsWith('lkc_')) {
      const application = await findApplication(this.db, id)
      const matches = clientSecretMatches(application ?? { client_secret_hash: NO_SUCH_HASH }, secret)
      return application && matches ? { kind: 'application', id } : undefined
    }
    return undefined
  }

  invalidate(change: Invalidation): void {
    const changed = callerOf(change)
    if (!changed) return
    const stale: string[] = []
    for (const [key, caller] of this.verified.entries())
      if (caller.kind === changed.kind && caller.id === changed.id) stale.push(key)
    for (const key of stale) this.verified.delete(key)
  }

  clear(): void {
    this.verified.clear()
  }
}
