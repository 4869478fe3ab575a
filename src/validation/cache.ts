import { LRUCache } from 'lru-cache'
import { wallClock } from '../config.js'
import type { InvalidationFeed, InvalidationSubscriber } from '../invalidation/feed.js'
import type { Invalidation } from '../invalidation/publish.js'
import type { Access, TokenRecord } from './lookup.js'

export interface TokenCacheOptions {
  /** Records kept, at most (and at most `maxBytes` of them, estimated). */
  maxEntries?: number
  maxBytes?: number
  /** A record is re-read after this long even if no change was announced (a safety net, not the mechanism). */
  ttlMs?: number
  /** Well-formed tokens that matched no row, remembered so that repeated unknown tokens cost no query. */
  unknownEntries?: number
  unknownTtlMs?: number
  /** (user, account) pairs whose effective role is kept, so a new token of a known pair costs one simple query. */
  accessEntries?: number
  /** The clock lifetimes are measured on: the configured one (Config.now), so that tests move time instead of sleeping. */
  now?: () => Date
}

export type CacheOutcome = 'hit' | 'unknown_hit' | 'miss' | 'bypass'

/** Rough bytes of a record in memory (object, strings as UTF-16, dates, the account path). */
function estimatedBytes(record: TokenRecord): number {
  return 480 + 2 * (record.name.length + (record.username?.length ?? 0)) + 8 * record.accountPath.length
}

type AccessEntry = Access & { userId: number | null }

/** Whether a change touches a user's access to an account (and so every token there). */
function affectsAccess(entry: AccessEntry, change: Invalidation): boolean {
  switch (change.type) {
    case 'user':
      return entry.userId === change.id
    case 'account':
      return entry.accountPath.includes(change.id)
    case 'membership':
      return entry.userId === change.userId && entry.accountPath.includes(change.accountId)
    default:
      return false
  }
}

function affects(record: TokenRecord, change: Invalidation): boolean {
  switch (change.type) {
    case 'token':
      return record.tokenId === change.id
    case 'authorization':
      return record.authorizationId === change.id
    case 'application':
      return record.appId === change.id
    default:
      return affectsAccess(record, change)
  }
}

function dropMatching<V extends {}>(cache: LRUCache<string, V>, matches: (value: V) => boolean): void {
  const stale: string[] = []
  for (const [key, value] of cache.entries()) if (matches(value)) stale.push(key)
  for (const key of stale) cache.delete(key)
}

const accessKey = (userId: number | null, accountId: number) => `${userId}:${accountId}`

/**
 * Token records by token hash (never the token): what is needed to judge a
 * token, not the judgement — revocation, expiry and role are decided again on
 * every hit. Used only while the feed is trusted.
 *
 * Unknown hashes are remembered too. A row for such a hash can only appear by
 * minting a token with exactly that hash: new tokens carry 256 fresh random bits
 * and are shown only after their row is committed, so nobody can present one
 * before it exists, unless they guessed it. Unknown entries still expire after
 * `unknownTtlMs` and go whenever the feed is reset.
 *
 * A user's access to an account (effective role, account path) is kept apart,
 * by (user, account): every token there shares it, so a token not seen before
 * costs one simple indexed query instead of a walk up the account tree.
 */
export class TokenCache implements InvalidationSubscriber {
  private readonly records: LRUCache<string, TokenRecord>
  private readonly unknown: LRUCache<string, true>
  private readonly access: LRUCache<string, AccessEntry>

  constructor(
    private readonly feed: InvalidationFeed,
    private readonly count: (outcome: CacheOutcome) => void,
    private readonly countAccess: (outcome: CacheOutcome) => void,
    options: TokenCacheOptions = {},
  ) {
    // lru-cache reads its clock through `perf`. With an injected (test) clock every TTL
    // check reads it (ttlResolution 0): caching "now" for 100 ms on a timer would hide a
    // moved clock. The wall clock keeps lru-cache's own timer: no Date on the hot path.
    const now = options.now
    const clock =
      now && now !== wallClock
        ? { perf: { now: () => now().getTime() }, ttlResolution: 0 }
        : { ttlResolution: 100 }
    this.records = new LRUCache<string, TokenRecord>({
      max: options.maxEntries ?? 100_000,
      maxSize: options.maxBytes ?? 48 * 1024 * 1024,
      sizeCalculation: estimatedBytes,
      ttl: options.ttlMs ?? 10 * 60_000,
      ...clock,
    })
    this.unknown = new LRUCache<string, true>({
      max: options.unknownEntries ?? 10_000,
      ttl: options.unknownTtlMs ?? 60_000,
      ...clock,
    })
    this.access = new LRUCache<string, AccessEntry>({
      max: options.accessEntries ?? 10_000,
      ttl: options.ttlMs ?? 10 * 60_000,
      ...clock,
    })
    feed.subscribe(this)
  }

  /** The cached record, `null` for a hash known to match no token, or undefined when the database must be asked. */
  peek(hash: string): TokenRecord | null | undefined {
    if (!this.feed.trusted) {
      this.count('bypass')
      return undefined
    }
    const record = this.records.get(hash)
    if (record) {
      this.count('hit')
      return record
    }
    if (this.unknown.get(hash)) {
      this.count('unknown_hit')
      return null
    }
    this.count('miss')
    return undefined
  }

  /**
   * The cached record of a hash, or undefined (not cached, or the feed is
   * distrusted), counting nothing: for a caller that counts a hit with `countHit`
   * only when it answers from the record (validation/hot-verify.ts).
   */
  cachedRecord(hash: string): TokenRecord | undefined {
    return this.feed.trusted ? this.records.get(hash) : undefined
  }

  countHit(): void {
    this.count('hit')
  }

  /** Stores a lookup's result, unless the feed is distrusted or a change arrived since `generation`. */
  store(hash: string, record: TokenRecord | undefined, generation: number): void {
    if (!this.feed.trusted || this.feed.generation !== generation) return
    if (record) this.records.set(hash, record)
    else this.unknown.set(hash, true)
  }

  /** A user's cached access to an account, or undefined (counted under cache "access"). */
  peekAccess(userId: number | null, accountId: number): Access | undefined {
    if (!this.feed.trusted) return undefined
    const entry = this.access.get(accessKey(userId, accountId))
    this.countAccess(entry ? 'hit' : 'miss')
    return entry
  }

  storeAccess(userId: number | null, accountId: number, access: Access, generation: number): void {
    if (!this.feed.trusted || this.feed.generation !== generation) return
    this.access.set(accessKey(userId, accountId), { ...access, userId })
  }

  invalidate(change: Invalidation): void {
    dropMatching(this.records, (record) => affects(record, change))
    dropMatching(this.access, (entry) => affectsAccess(entry, change))
  }

  clear(): void {
    this.records.clear()
    this.unknown.clear()
    this.access.clear()
  }

  get size(): { records: number; unknown: number; access: number } {
    return { records: this.records.size, unknown: this.unknown.size, access: this.access.size }
  }
}
