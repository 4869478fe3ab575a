import type { Invalidation } from './publish.js'

/** A cache that can be told what changed. */
export interface InvalidationSubscriber {
  /** Drops the entries the change touches. */
  invalidate(change: Invalidation): void
  /** Drops everything. */
  clear(): void
}

/**
 * What an instance knows about changes made anywhere, and whether its caches may
 * be trusted. Caches serve and store entries only while `trusted`, which holds
 * only while the instance listens for changes (LISTEN on PostgreSQL, PGlite's
 * in-process notifications). A database lookup stores its result only if
 * `generation` did not move while it ran: a change that arrived meanwhile may
 * have been committed after the lookup read its snapshot.
 */
export class InvalidationFeed {
  private listening = false
  private counter = 0
  private readonly subscribers: InvalidationSubscriber[] = []

  constructor(private readonly onTrustChange: (trusted: boolean) => void = () => {}) {}

  get trusted(): boolean {
    return this.listening
  }

  get generation(): number {
    return this.counter
  }

  subscribe(subscriber: InvalidationSubscriber): void {
    this.subscribers.push(subscriber)
  }

  /** A change arrived; an unreadable one (undefined) drops everything. */
  receive(change: Invalidation | undefined): void {
    this.counter += 1
    for (const subscriber of this.subscribers) {
      if (change) subscriber.invalidate(change)
      else subscriber.clear()
    }
  }

  /** Listening stopped: changes may be missed from now on, so nothing cached is used until `trust()`. */
  distrust(): void {
    this.listening = false
    this.counter += 1
    for (const subscriber of this.subscribers) subscriber.clear()
    this.onTrustChange(false)
  }

  /** Listening (again). Anything cached before may have missed changes, so it goes. */
  trust(): void {
    this.counter += 1
    for (const subscriber of this.subscribers) subscriber.clear()
    this.listening = true
    this.onTrustChange(true)
  }
}
