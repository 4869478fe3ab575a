import type { Invalidation } from '../invalidation/publish.js'

/**
 * Server-Sent Events frames (WHATWG HTML, "Server-sent events": `id:`, `event:`
 * and `data:` lines, a blank line ends an event). Only `invalidate` carries an
 * id, so a client's Last-Event-ID is always the id of a logged invalidation.
 */
export function invalidateFrame(id: number, change: Invalidation): string {
  return `id: ${id}\nevent: invalidate\ndata: ${JSON.stringify(change)}\n\n`
}

/** The client cannot be shown that it missed nothing: it drops every cached answer. */
export const RESET_FRAME = 'event: reset\ndata: {}\n\n'

export const HEARTBEAT_FRAME = 'event: heartbeat\ndata: {}\n\n'

/** The replay is over; what follows is live. */
export function readyFrame(lastEventId: number): string {
  return `event: ready\ndata: ${JSON.stringify({ last_event_id: lastEventId })}\n\n`
}
