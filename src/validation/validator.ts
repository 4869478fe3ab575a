import type { DatabaseHandle } from '../db/connect.js'
import type { Role } from '../db/schema.js'
import type { InvalidationFeed } from '../invalidation/feed.js'
import type { Metrics, ValidationOutcome } from '../metrics/metrics.js'
import { labelSets } from '../metrics/tally.js'
import { hashToken, parseToken } from '../tokens/format.js'
import { TokenCache, type TokenCacheOptions } from './cache.js'
import type { LastUsedRecorder } from './last-used.js'
import { type Access, TokenQueries, type TokenRecord, tokenRecord } from './lookup.js'
import { SingleFlight } from './single-flight.js'

export type InactiveReason = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'user_disabled' | 'no_role'

/** An active token: its record, with the effective permission it has right now. */
export type Principal = TokenRecord & { permission: Role }

export type Validation = { active: true; principal: Principal } | { active: false; reason: InactiveReason }

// Answers that carry nothing but a reason are allocated once.
const INACTIVE = Object.fromEntries(
  (['malformed', 'unknown', 'revoked', 'expired', 'user_disabled', 'no_role'] as const).map((reason) => [
    reason,
    Object.freeze({ active: false, reason }),
  ]),
) as Record<InactiveReason, Validation>

const OUTCOME_LABELS = labelSets<ValidationOutcome, 'outcome'>(
  [
    'active',
    'malformed',
    'unknown',
    'revoked',
    'expired',
    'user_disabled',
    'no_role',
    'insufficient_permission',
  ],
  (outcome) => ({ outcome }),
)
const CACHE_RESULTS = ['hit', 'unknown_hit', 'miss', 'bypass'] as const
const TOKEN_CACHE_LABELS = labelSets(CACHE_RESULTS, (result) => ({ cache: 'token', result }))
const ACCESS_CACHE_LABELS = labelSets(CACHE_RESULTS, (result) => ({ cache: 'access', result }))

function hasRole(record: TokenRecord): record is Principal {
  return record.permission !== null
}

/**
 * The one validation function behind `/api/v1`, `/verify` and `/oauth/introspect`.
 * Format and checksum are checked before anything else; then the cache (by token
 * hash); on a miss one indexed query (plus one for the user's role on the
 * account, unless that is cached), shared by concurrent requests for the same
 * token. Every inactive outcome is reported the same way to callers (the reason
 * is for metrics and logs).
 */
export class TokenValidator {
  readonly cache: TokenCache
  private readonly queries: TokenQueries
  private readonly lookups = new SingleFlight<TokenRecord | undefined>()
  private readonly accessLookups = new SingleFlight<Access>()

  constructor(
    database: DatabaseHandle,
    private readonly now: () => Date,
    private readonly lastUsed: LastUsedRecorder,
    private readonly metrics: Metrics,
    private readonly feed: InvalidationFeed,
    cacheOptions: TokenCacheOptions = {},
  ) {
    this.queries = new TokenQueries(database)
    this.cache = new TokenCache(
      feed,
      (result) => metrics.cacheTally.inc(TOKEN_CACHE_LABELS[result]),
      (result) => metrics.cacheTally.inc(ACCESS_CACHE_LABELS[result]),
      { now, ...cacheOptions },
    )
    feed.subscribe(this.lookups)
    feed.subscribe(this.accessLookups)
  }

  async validate(raw: string): Promise<Validation> {
    const result = parseToken(raw) ? this.judge(await this.record(hashToken(raw))) : INACTIVE.malformed
    this.metrics.validationTally.inc(OUTCOME_LABELS[result.active ? 'active' : result.reason])
    return result
  }

  /**
   * The principal of an active token when the cache alone says so, counted as
   * `validate` counts it; otherwise undefined and nothing counted, for `validate`
   * to decide (the hot path of `/verify`, hot-verify.ts). No format check: only
   * the hash of a well-formed token is ever cached, and a SHA-256 does not collide.
   */
  activeFromCache(raw: string): Principal | undefined {
    const record = this.cache.cachedRecord(hashToken(raw))
    if (record === undefined) return undefined
    const result = this.judge(record)
    if (!result.active) return undefined
    this.cache.countHit()
    this.metrics.validationTally.inc(OUTCOME_LABELS.active)
    return result.principal
  }

  private record(hash: string): TokenRecord | undefined | Promise<TokenRecord | undefined> {
    const cached = this.cache.peek(hash)
    if (cached !== undefined) return cached ?? undefined
    return this.lookups.run(hash, () => this.load(hash))
  }

  private async load(hash: string): Promise<TokenRecord | undefined> {
    const generation = this.feed.generation
    const row = await this.queries.tokenRow(hash)
    const record = row && tokenRecord(row, await this.access(row.userId, row.accountId, generation))
    this.cache.store(hash, record, generation)
    return record
  }

  private access(userId: number | null, accountId: number, generation: number): Access | Promise<Access> {
    const cached = this.cache.peekAccess(userId, accountId)
    if (cached) return cached
    return this.accessLookups.run(`${userId}:${accountId}`, async () => {
      const access = await this.queries.access(userId, accountId)
      this.cache.storeAccess(userId, accountId, access, generation)
      return access
    })
  }

  /** Decides on a record (fresh or cached): revocation, expiry and role are checked on every use. */
  judge(record: TokenRecord | undefined): Validation {
    if (!record) return INACTIVE.unknown
    if (record.revokedAt) return INACTIVE.revoked
    if (record.expiresAt && record.expiresAt.getTime() <= this.now().getTime()) return INACTIVE.expired
    if (record.userDisabled) return INACTIVE.user_disabled
    if (!hasRole(record)) return INACTIVE.no_role
    this.lastUsed.note(record.tokenId, record.lastUsedAt)
    return { active: true, principal: record }
  }
}
