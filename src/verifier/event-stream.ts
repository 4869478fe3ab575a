/** One Server-Sent Event as the WHATWG HTML framing delivers it. */
export interface StreamEvent {
  event: string
  data: string
  /** The `id:` of this event, when it carried one. */
  id?: string
}

export interface EventStreamOptions {
  url: string
  authorization: string
  /** The Last-Event-ID to resume from on each (re)connection; undefined for none. */
  lastEventId: () => string | undefined
  /** No byte for this long (heartbeats come every 15 s) and the connection counts as lost. */
  silenceTimeoutMs: number
  reconnectMinMs: number
  reconnectMaxMs: number
  onEvent: (event: StreamEvent) => void
  /** The connection ended or failed (once per connection; not after close()). */
  onDown: (reason: string) => void
}

/**
 * A Server-Sent Events client on the global fetch (Node has no EventSource
 * before 22, and the library may load no npm package). It reconnects for ever
 * with exponential back-off and jitter, sending Last-Event-ID, until close().
 */
export class EventStreamClient {
  private closed = false
  private controller: AbortController | undefined
  private wakeUp: (() => void) | undefined
  private readonly running: Promise<void>

  constructor(private readonly options: EventStreamOptions) {
    this.running = this.run()
  }

  async close(): Promise<void> {
    this.closed = true
    this.controller?.abort()
    this.wakeUp?.()
    await this.running
  }

  private async run(): Promise<void> {
    let failures = 0
    while (!this.closed) {
      const sawEvents = await this.connectOnce()
      if (this.closed) return
      // A connection that carried events was healthy: start the back-off again.
      failures = sawEvents ? 0 : failures + 1
      await this.pause(this.backoff(failures))
    }
  }

  private backoff(failures: number): number {
    const { reconnectMinMs, reconnectMaxMs } = this.options
    const ceiling = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** failures)
    // Jitter spreads the reconnections of many services after a Latchkey restart.
    return ceiling / 2 + Math.random() * (ceiling / 2)
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.wakeUp = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }

  /** One connection, read until it ends; true when at least one event came through. */
  private async connectOnce(): Promise<boolean> {
    const controller = new AbortController()
    this.controller = controller
    const watchdog = setTimeout(
      () => controller.abort(new Error('no heartbeat within the silence timeout')),
      this.options.silenceTimeoutMs,
    )
    let sawEvents = false
    let reason = 'the server ended the stream'
    try {
      const headers: Record<string, string> = {
        authorization: this.options.authorization,
        accept: 'text/event-stream',
      }
      const lastEventId = this.options.lastEventId()
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
      const response = await fetch(this.options.url, { headers, signal: controller.signal })
      if (response.status !== 200 || !response.body) {
        await response.body?.cancel()
        throw new Error(`the event stream answered HTTP ${response.status}`)
      }
      const parser = new EventParser((event) => {
        sawEvents = true
        this.options.onEvent(event)
      })
      const decoder = new TextDecoder()
      for await (const chunk of response.body) {
        watchdog.refresh()
        parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))
      }
    } catch (error) {
      reason =
        controller.signal.aborted && controller.signal.reason instanceof Error
          ? controller.signal.reason.message
          : error instanceof Error
            ? error.message
            : String(error)
    } finally {
      clearTimeout(watchdog)
      controller.abort()
    }
    if (!this.closed) this.options.onDown(reason)
    return sawEvents
  }
}

/** The WHATWG event-stream parser: fields per line, a blank line dispatches, `:` starts a comment. */
export class EventParser {
  private buffer = ''
  private event = ''
  private data: string[] = []
  private id: string | undefined

  constructor(private readonly dispatch: (event: StreamEvent) => void) {}

  push(text: string): void {
    this.buffer += text
    for (;;) {
      const end = this.buffer.search(/\r\n|\r|\n/)
      if (end < 0) return
      // A lone \r at the very end may be the first half of \r\n: wait for the next chunk.
      if (this.buffer[end] === '\r' && end === this.buffer.length - 1) return
      const line = this.buffer.slice(0, end)
      this.buffer = this.buffer.slice(end + (this.buffer.startsWith('\r\n', end) ? 2 : 1))
      this.line(line)
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0)
        this.dispatch({ event: this.event || 'message', data: this.data.join('\n'), id: this.id })
      this.event = ''
      this.data = []
      this.id = undefined
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') this.event = value
    else if (field === 'data') this.data.push(value)
    else if (field === 'id' && !value.includes('\0')) this.id = value
  }
}
