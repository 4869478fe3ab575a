/**
 * A bounded least-recently-used map on a plain Map (insertion order is recency
 * order: a hit moves the key to the end, the oldest key is first). The verifier
 * may load no npm package (CONTRACT 11), so this replaces lru-cache here.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>()

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('maxEntries must be a positive integer')
  }

  get size(): number {
    return this.map.size
  }

  get(key: K): V | undefined {
    const value = this.map.get(key)
    if (value === undefined) return undefined
    this.map.delete(key)
    this.map.set(key, value)
    return value
  }

  set(key: K, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    if (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value as K)
  }

  delete(key: K): void {
    this.map.delete(key)
  }

  /** Deletes every entry the predicate picks; returns how many. */
  deleteWhere(picks: (value: V) => boolean): number {
    let deleted = 0
    for (const [key, value] of this.map)
      if (picks(value)) {
        this.map.delete(key)
        deleted += 1
      }
    return deleted
  }

  clear(): void {
    this.map.clear()
  }
}
