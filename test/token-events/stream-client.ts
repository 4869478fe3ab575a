import type { FastifyInstance } from 'fastify'
import { createService } from '../../src/service-credentials/repo.js'
import { basicAuth } from '../fixtures.js'
import type { Teardown } from '../helper.js'

/** One Server-Sent Event as the WHATWG parser sees it (only the fields the protocol uses). */
export interface StreamEvent {
  id: string | undefined
  event: string
  data: unknown
}

export interface Stream {
  status: number
  headers: Headers
  /** Every event received so far. */
  readonly events: StreamEvent[]
  /** The first event from `from` on that matches; rejects after `timeoutMs` or when the stream ends first. */
  next(match: (event: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>
  close(): void
}

/** Listens on a free port (once per app) and returns the base URL. */
export async function baseUrl(app: FastifyInstance): Promise<string> {
  const address = app.server.address()
  if (address && typeof address === 'object') return `http://127.0.0.1:${address.port}`
  await app.listen({ port: 0, host: '127.0.0.1' })
  return baseUrl(app)
}

/** A service credential's Basic header. */
export async function serviceBasic(
  app: FastifyInstance,
  name = 'cache',
): Promise<{ id: number; basic: string }> {
  const service = await createService(app.db, name)
  return { id: service.id, basic: basicAuth(service.id, service.secret) }
}

/** Opens `GET /token-events` over real HTTP and parses the stream as it arrives. */
export async function openStream(
  t: Teardown,
  app: FastifyInstance,
  authorization: string,
  options: { lastEventId?: string; query?: string } = {},
): Promise<Stream> {
  const controller = new AbortController()
  const headers: Record<string, string> = { authorization }
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId
  const response = await fetch(`${await baseUrl(app)}/token-events${options.query ?? ''}`, {
    headers,
    signal: controller.signal,
  })
  const events: StreamEvent[] = []
  const waiters = new Set<() => void>()
  let finished = false
  const wake = () => {
    for (const waiter of waiters) waiter()
  }
  const ended = (async () => {
    if (!response.body || response.status !== 200) return
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true })
        for (;;) {
          const end = buffer.indexOf('\n\n')
          if (end < 0) break
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const fields = new Map<string, string>()
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':')
            if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart())
          }
          events.push({
            id: fields.get('id'),
            event: fields.get('event') ?? 'message',
            data: JSON.parse(fields.get('data') ?? 'null'),
          })
          wake()
        }
      }
    } catch {
      // aborted by close(), or the server cut the connection
    } finally {
      finished = true
      wake()
    }
  })()
  const close = () => controller.abort()
  t.teardown(close)
  return {
    status: response.status,
    headers: response.headers,
    events,
    ended,
    close,
    next(match, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match)
          if (found) return done(() => resolve(found))
          if (finished) done(() => reject(new Error(`the stream ended; events: ${JSON.stringify(events)}`)))
        }
        const done = (settle: () => void) => {
          clearTimeout(timer)
          waiters.delete(check)
          settle()
        }
        const timer = setTimeout(
          () =>
            done(() => reject(new Error(`no matching event in ${timeoutMs} ms: ${JSON.stringify(events)}`))),
          timeoutMs,
        )
        waiters.add(check)
        check()
      })
    },
  }
}

export const isReady = (event: StreamEvent) => event.event === 'ready'

/** Matches the `invalidate` event whose data is `change`. */
export const invalidates = (change: object) => (event: StreamEvent) =>
  event.event === 'invalidate' && JSON.stringify(event.data) === JSON.stringify(change)
