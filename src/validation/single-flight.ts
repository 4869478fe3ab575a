import type { InvalidationSubscriber } from '../invalidation/feed.js'
import type { Invalidation } from '../invalidation/publish.js'

/**
 * Concurrent lookups of the same key share one promise, so a burst of requests
 * with a token that is not cached costs one query. Hand-written rather than
 * lru-cache's fetch(): results must pass the feed's generation check before
 * they are stored, and unknown tokens go to a separate cache.
 */
export class SingleFlight<V> implements InvalidationSubscriber {
  private readonly pending = new Map<string, Promise<V>>()

  run(key: string, work: () => Promise<V>): Promise<V> {
    const existing = this.pending.get(key)
    if (existing) return existing
    const promise = work().finally(() => {
      if (this.pending.get(key) === promise) this.pending.delete(key)
    })
    this.pending.set(key, promise)
    return promise
  }

  /** After a change, new callers start a lookup of their own instead of joining one begun before it. */
  invalidate(_change: Invalidation): void {
    this.pending.clear()
  }

  clear(): void {
    this.pending.clear()
  }
}
