import type { ServerResponse } from 'node:http'
import type { FeedFollower } from '../invalidation/feed.js'
import { type Announcement, LOGGED_TYPES } from '../invalidation/publish.js'
import { HEARTBEAT_FRAME, invalidateFrame, RESET_FRAME, readyFrame } from './frames.js'

/**
 * A client never holds more than this much of the server's memory: past it, the
 * connection is closed and the client catches up from the log when it
 * reconnects with its Last-Event-ID (protocol: "256 KiB waiting unsent").
 */
export const MAX_UNSENT_BYTES = 256 * 1024

export type CloseReason = 'slow' | 'lost' | 'service_revoked' | 'shutdown' | 'client'

/**
 * One client's stream. Live announcements that arrive while the replay is being
 * sent are held (they count toward the unsent bytes) and sent after `ready`, so
 * nothing between the replay's reads and going live is missed; they may repeat
 * replayed events, which clients apply twice harmlessly.
 */
export class StreamConnection implements FeedFollower {
  private held: string[] | undefined = []
  private heldBytes = 0
  private closed = false
  private readonly heartbeat: NodeJS.Timeout

  constructor(
    private readonly raw: ServerResponse,
    private readonly serviceId: number,
    heartbeatMs: number,
    private readonly onClose: (reason: CloseReason, unsentBytes: number) => void,
  ) {
    this.heartbeat = setInterval(() => this.write(HEARTBEAT_FRAME), heartbeatMs)
    raw.on('close', () => this.finish('client'))
  }

  get open(): boolean {
    return !this.closed
  }

  announced(announcement: Announcement | undefined): void {
    if (!announcement) {
      this.send(RESET_FRAME) // unreadable: nobody knows what changed
      return
    }
    const { change, eventId } = announcement
    if (change.type === 'service' && change.id === this.serviceId) {
      this.end('service_revoked')
      return
    }
    if (!LOGGED_TYPES.has(change.type)) return
    // A logged type without an id comes from an instance that predates the log: in no log, so no replay can carry it.
    this.send(eventId === undefined ? RESET_FRAME : invalidateFrame(eventId, change))
  }

  /** This instance stopped listening: from now on it cannot tell the client what changes. */
  lost(): void {
    this.write(RESET_FRAME)
    this.end('lost')
  }

  /** A replayed event; waits while the client is behind (the replay is read from the log as fast as it drains). */
  async replay(frame: string): Promise<void> {
    this.write(frame)
    if (this.closed || this.raw.writableLength < MAX_UNSENT_BYTES / 4) return
    await new Promise<void>((resolve) => {
      const done = () => {
        this.raw.off('drain', done)
        this.raw.off('close', done)
        resolve()
      }
      this.raw.on('drain', done)
      this.raw.on('close', done)
    })
  }

  reset(): void {
    this.write(RESET_FRAME)
  }

  /** The replay is done: `ready`, then what arrived meanwhile, then live. */
  ready(lastEventId: number): void {
    const held = this.held ?? []
    this.held = undefined
    this.write(readyFrame(lastEventId))
    for (const frame of held) this.write(frame)
  }

  end(reason: CloseReason): void {
    if (this.closed) return
    this.raw.end()
    this.finish(reason)
  }

  private send(frame: string): void {
    if (this.closed) return
    if (!this.held) {
      this.write(frame)
      return
    }
    this.held.push(frame)
    this.heldBytes += frame.length
    if (this.heldBytes + this.raw.writableLength > MAX_UNSENT_BYTES) this.destroySlow()
  }

  private write(frame: string): void {
    if (this.closed) return
    this.raw.write(frame)
    if (this.raw.writableLength > MAX_UNSENT_BYTES) this.destroySlow()
  }

  private destroySlow(): void {
    const unsent = this.raw.writableLength + this.heldBytes
    this.held = []
    this.raw.destroy()
    this.finish('slow', unsent)
  }

  private finish(reason: CloseReason, unsentBytes = this.raw.writableLength): void {
    if (this.closed) return
    this.closed = true
    clearInterval(this.heartbeat)
    this.onClose(reason, unsentBytes)
  }
}
