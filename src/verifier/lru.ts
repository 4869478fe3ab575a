interface Slot<V> {
  value: V
  /** Read since the slot last came to the end of the queue: it gets a second chance at eviction. */
  used: boolean
}

/**
 * A bounded map that evicts entries not used recently: the CLOCK (second chance)
 * approximation of least-recently-used, on a plain Map whose insertion order is
 * the queue. A hit only marks its slot, so reading (every verify) never reorders
 * the Map; at eviction the oldest slots that were read since they were queued
 * go back to the end unmarked, and the first one that was not is dropped. The
 * verifier may load no npm package (CONTRACT 11), so this replaces lru-cache here.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, Slot<V>>()

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('maxEntries must be a positive integer')
  }

  get size(): number {
    return this.map.size
  }

  get(key: K): V | undefined {
    const slot = this.map.get(key)
    if (slot === undefined) return undefined
    slot.used = true
    return slot.value
  }

  set(key: K, value: V): void {
    // Room is made first, so the entry being stored is never the one evicted.
    if (!this.map.delete(key) && this.map.size >= this.maxEntries) this.evictOne()
    this.map.set(key, { value, used: false })
  }

  delete(key: K): void {
    this.map.delete(key)
  }

  /** Deletes every entry the predicate picks; returns how many. */
  deleteWhere(picks: (value: V) => boolean): number {
    let deleted = 0
    for (const [key, slot] of this.map)
      if (picks(slot.value)) {
        this.map.delete(key)
        deleted += 1
      }
    return deleted
  }

  clear(): void {
    this.map.clear()
  }

  /** Each pass unmarks what it requeues, so this ends within one round of the queue. */
  private evictOne(): void {
    for (const [key, slot] of this.map) {
      this.map.delete(key)
      if (!slot.used) return
      slot.used = false
      this.map.set(key, slot)
    }
  }
}
