import type { Kysely } from 'kysely'
import type { Database, Role } from '../db/schema.js'
import type { Metrics } from '../metrics/metrics.js'
import { TokenCache, type TokenCacheOptions } from './cache.js'
import { hashToken, parseToken } from './format.js'
import type { InvalidationFeed } from './invalidation-feed.js'
import type { LastUsedRecorder } from './last-used.js'
import { effectivePermission, findTokenRecord, type TokenRecord } from './lookup.js'
import { SingleFlight } from './single-flight.js'

export type InactiveReason = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'user_disabled' | 'no_role'

/** An active token: its record plus the effective permission right now. */
export interface Principal extends TokenRecord {
  permission: Role
}

export type Validation = { active: true; principal: Principal } | { active: false; reason: InactiveReason }

const MALFORMED: Validation = { active: false, reason: 'malformed' }

/**
 * The one validation function behind `/api/v1`, `/verify` and `/oauth/introspect`.
 * Format and checksum are checked before anything else; then the cache (by token
 * hash), then one query, shared by concurrent requests for the same token. Every
 * inactive outcome is reported the same way to callers (the reason is for
 * metrics and logs).
 */
export class TokenValidator {
  readonly cache: TokenCache
  private readonly lookups = new SingleFlight<TokenRecord | undefined>()

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
    private readonly lastUsed: LastUsedRecorder,
    private readonly metrics: Metrics,
    private readonly feed: InvalidationFeed,
    cacheOptions: TokenCacheOptions = {},
  ) {
    this.cache = new TokenCache(
      feed,
      (result) => metrics.cacheLookups.inc({ cache: 'token', result }),
      cacheOptions,
    )
    feed.subscribe(this.lookups)
  }

  async validate(raw: string): Promise<Validation> {
    const result = parseToken(raw) ? this.judge(await this.record(hashToken(raw))) : MALFORMED
    this.metrics.tokenValidations.inc({ outcome: result.active ? 'active' : result.reason })
    return result
  }

  private record(hash: string): TokenRecord | undefined | Promise<TokenRecord | undefined> {
    const cached = this.cache.peek(hash)
    if (cached !== undefined) return cached ?? undefined
    return this.lookups.run(hash, async () => {
      const generation = this.feed.generation
      const record = await findTokenRecord(this.db, hash)
      this.cache.store(hash, record, generation)
      return record
    })
  }

  /** Decides on a record (fresh or cached): revocation, expiry and role are checked on every use. */
  judge(record: TokenRecord | undefined): Validation {
    if (!record) return { active: false, reason: 'unknown' }
    if (record.revokedAt) return { active: false, reason: 'revoked' }
    if (record.expiresAt && record.expiresAt.getTime() <= this.now().getTime())
      return { active: false, reason: 'expired' }
    if (record.userDisabled) return { active: false, reason: 'user_disabled' }
    const permission = effectivePermission(record)
    if (!permission) return { active: false, reason: 'no_role' }
    this.lastUsed.note(record.tokenId, record.lastUsedAt)
    return { active: true, principal: { ...record, permission } }
  }
}
