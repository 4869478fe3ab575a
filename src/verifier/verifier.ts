import { hash } from 'node:crypto'
import { TOKEN_LENGTH } from '../tokens/format.js'
import { type ActiveAnswer, type Answer, INACTIVE } from './answer.js'
import { VerifierUnavailableError } from './errors.js'
import { EventStreamClient, type StreamEvent } from './event-stream.js'
import { Lru } from './lru.js'
import { type HeadersLike, tokenFrom, wellFormed } from './token-input.js'

/**
 * What the metrics hook is told. `value` is 1 for a count, milliseconds for
 * `introspection`, and the number of entries dropped for `invalidation`/`reset`.
 */
export type VerifierEvent =
  | 'hit' // an active answer served from the cache
  | 'negative_hit' // an inactive answer served from the short negative cache
  | 'miss' // not cached (or the cache is not trusted): introspection asked
  | 'malformed' // no token, or a wrong shape or checksum: inactive without the network
  | 'introspection' // one introspection call finished (value: its milliseconds)
  | 'introspection_error' // one introspection call failed (Latchkey unreachable or refusing)
  | 'stream_up' // the stream said `ready`: the cache is trusted
  | 'stream_down' // the stream was lost: the cache is not trusted until the next `ready`
  | 'invalidation' // an `invalidate` event was applied (value: entries dropped)
  | 'reset' // a `reset` event: every cached answer dropped (value: entries dropped)

export interface VerifierOptions {
  /** Latchkey's base URL, e.g. `https://auth.example.com`. */
  url: string
  /** The service's id and `lks_…` secret (`latchkey services create`). */
  serviceId: number | string
  serviceSecret: string
  /** Active answers kept (those not read recently go first: CLOCK, an approximation of LRU). Default 10,000. */
  maxEntries?: number
  /** How long an inactive answer is remembered. Default 5,000 ms. */
  negativeTtlMs?: number
  /** Introspection calls give up after this long. Default 5,000 ms. */
  timeoutMs?: number
  /** No byte on the stream for this long (heartbeats come every 15 s) and it counts as down. Default 35,000 ms. */
  silenceTimeoutMs?: number
  /** Reconnection back-off bounds. Defaults 250 ms and 10,000 ms. */
  reconnectMinMs?: number
  reconnectMaxMs?: number
  /** The clock in milliseconds (tests inject one). Default Date.now. */
  now?: () => number
  /** Metrics hook; see VerifierEvent. Must not throw. */
  onEvent?: (name: VerifierEvent, value: number) => void
}

export interface Verifier {
  /** The CONTRACT 5b answer for a token or a request's headers; rejects with VerifierUnavailableError when Latchkey cannot answer. */
  verify(tokenOrHeaders: string | HeadersLike): Promise<Answer>
  /** Stops following the stream; pending verifies still finish. */
  close(): Promise<void>
  /** True while the stream is up after `ready`: only then are cached answers used. */
  readonly trusted: boolean
  /** Active answers in the cache. */
  readonly size: number
}

/** A cached active answer: the entry is the introspection answer itself. */
type Entry = ActiveAnswer

const DEFAULTS = {
  maxEntries: 10_000,
  // Safe because an inactive token never turns active again (revocation and
  // expiry are final; an unknown 256-bit token cannot be issued later) except a
  // re-enabled user's or re-added member's: those wait at most this long, which
  // fails closed. It keeps a flood of well-formed fakes from reaching Latchkey.
  negativeTtlMs: 5_000,
  timeoutMs: 5_000,
  silenceTimeoutMs: 35_000,
  reconnectMinMs: 250,
  reconnectMaxMs: 10_000,
}

/**
 * The verifier library (CONTRACT 11; the stream protocol is the README's "The
 * revocation event stream"). Active answers are cached by the token's SHA-256
 * (the token itself is never kept) and used only while the revocation stream
 * is up; an answer is stored only if no event arrived while it was being
 * fetched (the generation check), so a change racing an introspection cannot
 * leave a stale entry. Loads only node: modules and the global fetch.
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const settings = { ...DEFAULTS, ...withoutUndefined(options) }
  const base = options.url.replace(/\/+$/, '')
  const authorization = `Basic ${Buffer.from(
    `${encodeURIComponent(String(options.serviceId))}:${encodeURIComponent(options.serviceSecret)}`,
  ).toString('base64')}`
  const now = settings.now ?? Date.now
  const tell = options.onEvent ?? (() => {})

  const active = new Lru<string, Entry>(settings.maxEntries)
  const inactiveUntil = new Lru<string, number>(settings.maxEntries)
  const inFlight = new Map<string, Promise<Answer>>()
  let generation = 0
  let trusted = false
  let lastEventId: string | undefined
  let resumedFrom: string | undefined

  function dropAll(): number {
    const dropped = active.size
    active.clear()
    generation += 1
    return dropped
  }

  function apply(event: StreamEvent): void {
    if (event.id !== undefined && /^[0-9]+$/.test(event.id)) {
      // Replays overlap and live events may come out of id order: remember the highest.
      if (lastEventId === undefined || BigInt(event.id) > BigInt(lastEventId)) lastEventId = event.id
    }
    if (event.event === 'invalidate') {
      generation += 1
      tell('invalidation', active.deleteWhere(matcher(event.data)))
    } else if (event.event === 'reset') {
      tell('reset', dropAll())
    } else if (event.event === 'ready') {
      const ready = parseJson(event.data) as { last_event_id?: unknown } | undefined
      if (lastEventId === undefined && ready?.last_event_id != null) lastEventId = String(ready.last_event_id)
      // Answers fetched before a first connection have no position in the log to resume from.
      if (resumedFrom === undefined) dropAll()
      trusted = true
      tell('stream_up', 1)
    }
  }

  const stream = new EventStreamClient({
    url: `${base}/token-events`,
    authorization,
    lastEventId: () => {
      resumedFrom = lastEventId
      return lastEventId
    },
    silenceTimeoutMs: settings.silenceTimeoutMs,
    reconnectMinMs: settings.reconnectMinMs,
    reconnectMaxMs: settings.reconnectMaxMs,
    onEvent: apply,
    onDown: () => {
      // Answers fetched from here on stay valid: the reconnection resumes from
      // lastEventId and replays what changed meanwhile (or says reset).
      if (trusted) tell('stream_down', 1)
      trusted = false
    },
  })

  async function introspect(token: string, key: string): Promise<Answer> {
    const started = generation
    const startedAt = performance.now()
    let answer: Answer
    try {
      const response = await fetch(`${base}/oauth/introspect`, {
        method: 'POST',
        headers: {
          authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: `token=${encodeURIComponent(token)}&token_type_hint=access_token`,
        signal: AbortSignal.timeout(settings.timeoutMs),
      })
      if (response.status !== 200) {
        await response.body?.cancel()
        throw new Error(
          response.status === 401
            ? 'Latchkey refused the service credentials (HTTP 401)'
            : `Latchkey answered HTTP ${response.status}`,
        )
      }
      answer = (await response.json()) as Answer
    } catch (error) {
      tell('introspection_error', 1)
      const cause = error instanceof Error ? error.message : String(error)
      throw new VerifierUnavailableError(`Latchkey at ${base} could not answer: ${cause}`, { cause: error })
    }
    tell('introspection', performance.now() - startedAt)
    // An inactive answer is stored whatever happened meanwhile: it can only fail closed.
    if (!answer.active) {
      active.delete(key)
      inactiveUntil.set(key, now() + settings.negativeTtlMs)
    } else if (generation === started) active.set(key, answer)
    return answer.active ? answer : INACTIVE
  }

  /**
   * The cache comes first: a key it holds is the hash of a token that was well
   * formed when its answer was stored (the same string: SHA-256), so the format
   * and checksum are checked on misses only. A token of the wrong length is not
   * even hashed. An inactive answer replaces an active one (introspect), so a
   * key is in at most one of the two caches.
   */
  function verify(tokenOrHeaders: string | HeadersLike): Promise<Answer> {
    const token = tokenFrom(tokenOrHeaders)
    if (token === undefined || token.length !== TOKEN_LENGTH) return malformed()
    const key = cacheKey(token)
    if (trusted) {
      const entry = active.get(key)
      if (entry !== undefined) {
        if (entry.exp !== undefined && now() >= entry.exp * 1000) {
          // Expiry is final: no need to ask.
          active.delete(key)
          return Promise.resolve(INACTIVE)
        }
        tell('hit', 1)
        return Promise.resolve(entry)
      }
    }
    const until = inactiveUntil.get(key)
    if (until !== undefined) {
      if (now() < until) {
        tell('negative_hit', 1)
        return Promise.resolve(INACTIVE)
      }
      inactiveUntil.delete(key)
    }
    if (!wellFormed(token)) return malformed()
    tell('miss', 1)
    // Single-flight: concurrent verifies of one token share one introspection.
    let pending = inFlight.get(key)
    if (pending === undefined) {
      pending = introspect(token, key).finally(() => inFlight.delete(key))
      inFlight.set(key, pending)
    }
    return pending
  }

  function malformed(): Promise<Answer> {
    tell('malformed', 1)
    return Promise.resolve(INACTIVE)
  }

  return {
    verify,
    close: () => stream.close(),
    get trusted() {
      return trusted
    },
    get size() {
      return active.size
    },
  }
}

/**
 * The cache's key for a token: its SHA-256 as a 32-character one-byte string. The
 * token itself is never kept; the raw digest is shorter and quicker to hash into
 * a Map than hex (about 0.3 µs a verify).
 */
function cacheKey(token: string): string {
  return hash('sha256', token, 'binary')
}

/** Which cached answers an `invalidate` event touches (protocol: the matching rules). */
function matcher(data: string): (entry: Entry) => boolean {
  const change = parseJson(data) as Record<string, unknown> | undefined
  const id = change?.id
  switch (change?.type) {
    // Without the token_id extension an entry cannot be matched, so it goes too.
    case 'token':
      return (entry) => entry.token_id === undefined || entry.token_id === id
    case 'authorization':
      return (entry) => entry.authorization_id === undefined || entry.authorization_id === id
    case 'application':
      return (entry) => entry.app_id === id
    case 'user':
      return (entry) => entry.sub === String(id)
    case 'membership':
      return (entry) => entry.sub === String(change.userId)
    case 'service':
    case 'client_secret':
      return () => false
    // `account` (the tree is not known here) and anything not understood: drop everything.
    default:
      return () => true
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
