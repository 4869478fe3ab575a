import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Metrics } from '../metrics/metrics.js'
import { TOKEN_LENGTH } from '../tokens/format.js'
import { type AnswerBodies, VERIFY_CACHE_CONTROL, verifyAnswerHeaders } from './answer.js'
import type { Principal, TokenValidator } from './validator.js'

const BEARER_LENGTH = 'Bearer '.length

/**
 * The token of a request in the one plain form this path reads: `Authorization:
 * Bearer <token>` with one space, or a `token` header without an Authorization
 * header. Any other shape (extra spaces, another scheme) is left to Fastify and
 * `headerToken`, which read every form CONTRACT section 2 allows.
 */
function plainToken(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization
  if (authorization === undefined) {
    const token = request.headers.token
    return typeof token === 'string' && token.length === TOKEN_LENGTH ? token : undefined
  }
  if (authorization.length !== BEARER_LENGTH + TOKEN_LENGTH) return undefined
  if (!authorization.startsWith('Bearer ') && !authorization.startsWith('bearer ')) return undefined
  return authorization.slice(BEARER_LENGTH)
}

export interface HotVerifyOptions {
  tokens: TokenValidator
  answers: AnswerBodies
  metrics: Metrics
  /** The app's request id for this request (logging.ts: a trusted proxy's, or a new one). */
  requestId: (request: IncomingMessage) => string
  /** The worker's number, sent as `X-Latchkey-Worker` as the app's hook does for every other answer. */
  workerId?: string
  /** True while load is shed: then every request goes through Fastify, which sheds it. */
  shedding: () => boolean
}

/**
 * The response to a cached record: its headers in order (the request id left
 * blank) and its body, which `AnswerBodies` also holds: kept here too so that a
 * hit costs one WeakMap lookup, not two.
 */
interface Answer {
  headers: string[]
  body: string
}

const LABELS = Object.freeze({ method: 'GET', route: '/verify', status: '200' })

/**
 * `GET /verify` answered from the cache before Fastify sees the request: the
 * gateway's call behind every API request, and most of them are cache hits.
 * On this machine kind Node's HTTP work is most of a request's cost, and the
 * framework's per-request work (routing, seven hooks, the reply object, the
 * query's validation) was a third of hot `/verify`'s CPU (bench/RESULTS.md).
 *
 * It answers only an active token found in the cache, with no query string, while
 * no load is shed and the app is not closing; it sends exactly what the route sends
 * (status, headers, body: verify-routes.ts) and counts what the route counts
 * (token validation, cache hit, HTTP request and duration). Everything else,
 * including every error, falls through to the route, which decides as always.
 */
export class HotVerify {
  private options: HotVerifyOptions | undefined
  /** Each cached record's answer, made once (records are replaced, never edited). */
  private readonly answers = new WeakMap<Principal, Answer>()

  /** Until started (the app ready) and after stopped (the app closing), every request goes to Fastify. */
  start(options: HotVerifyOptions): void {
    this.options = options
  }

  stop(): void {
    this.options = undefined
  }

  answer(request: IncomingMessage, response: ServerResponse): boolean {
    const options = this.options
    if (options === undefined || request.method !== 'GET' || request.url !== '/verify') return false
    const started = performance.now()
    const token = plainToken(request)
    if (token === undefined || options.shedding()) return false
    try {
      const principal = options.tokens.activeFromCache(token)
      if (principal === undefined) return false
      const answer = this.answerOf(principal, options)
      // Filled in place, not copied: writeHead turns the list into the head's text before it returns.
      answer.headers[1] = options.requestId(request)
      response.writeHead(200, answer.headers)
      response.end(answer.body)
      options.metrics.httpTally.inc(LABELS)
      options.metrics.httpDuration.observe(LABELS, (performance.now() - started) / 1000)
      return true
    } catch {
      // This listener runs outside Fastify, where a throw would end the process.
      // Before anything was sent the route decides (and logs what fails there too).
      return response.headersSent
    }
  }

  private answerOf(principal: Principal, options: HotVerifyOptions): Answer {
    let answer = this.answers.get(principal)
    if (answer === undefined) {
      const body = options.answers.of(principal)
      const headers = [
        'x-request-id',
        '', // each request's id, written here just before writeHead
        ...(options.workerId === undefined ? [] : ['x-latchkey-worker', options.workerId]),
        'cache-control',
        VERIFY_CACHE_CONTROL,
        ...verifyAnswerHeaders(principal),
        'content-length',
        String(Buffer.byteLength(body)),
      ]
      answer = { headers, body }
      this.answers.set(principal, answer)
    }
    return answer
  }
}
