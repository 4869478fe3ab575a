import type { Announcement, Invalidation } from './publish.js'

/** A cache that can be told what changed. */
export interface InvalidationSubscriber {
  /** Drops the entries the change touches. */
  invalidate(change: Invalidation): void
  /** Drops everything. */
  clear(): void
}

/**
 * Someone who wants the committed changes as they were announced (with their
 * token_events id), not only the cache drops: the revocation event stream.
 */
export interface FeedFollower {
  /** A committed change arrived over LISTEN; undefined when its payload was unreadable. */
  announced(announcement: Announcement | undefined): void
  /** Listening stopped: announcements may have been missed, and more will be until `trust()`. */
  lost(): void
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
  private readonly followers = new Set<FeedFollower>()

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

  /** Follows announcements until the returned function is called. */
  follow(follower: FeedFollower): () => void {
    this.followers.add(follower)
    return () => this.followers.delete(follower)
  }

  /**
   * A committed change arrived over LISTEN (the listener's path; this instance's
   * own changes reach the caches earlier through `receive`, before they commit).
   */
  announce(announcement: Announcement | undefined): void {
    this.receive(announcement?.change)
    for (const follower of this.followers) follower.announced(announcement)
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
    for (const follower of this.followers) follower.lost()
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
