import type { ActiveAnswer, Permission } from './answer.js'
import { type Rejection, rejectionFor, unavailable } from './rejection.js'
import type { HeadersLike } from './token-input.js'
import { createVerifier, type Verifier, type VerifierOptions } from './verifier.js'

export interface LatchkeyMiddlewareOptions extends VerifierOptions {
  /** The least permission every request through this middleware needs. */
  permission?: Permission
}

/** The parts of an Express (or Connect, or plain node:http with a `next`) request and response used here. */
interface RequestLike {
  headers: HeadersLike
  latchkey?: ActiveAnswer
}
interface ResponseLike {
  statusCode: number
  setHeader(name: string, value: string): unknown
  end(body: string): unknown
}

export type LatchkeyMiddleware = ((
  req: RequestLike,
  res: ResponseLike,
  next: (error?: unknown) => void,
) => void) & {
  /** Stops the verifier's event stream. */
  close(): Promise<void>
  readonly verifier: Verifier
}

function send(res: ResponseLike, rejection: Rejection): void {
  res.statusCode = rejection.statusCode
  for (const [name, value] of Object.entries(rejection.headers)) res.setHeader(name, value)
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.end(JSON.stringify(rejection.body))
}

/**
 * `latchkey/verifier/express` (CONTRACT 11): `(options) => (req, res, next)`.
 * Sets `req.latchkey` to the active answer or answers 401/403 (CONTRACT 5a) or
 * 503 (Latchkey unreachable). Imports nothing from express: it only uses what
 * node:http's objects already have, so it also fits Connect-style servers.
 */
export default function latchkey(options: LatchkeyMiddlewareOptions): LatchkeyMiddleware {
  const { permission, ...verifierOptions } = options
  const verifier = createVerifier(verifierOptions)
  const middleware = (req: RequestLike, res: ResponseLike, next: (error?: unknown) => void): void => {
    verifier.verify(req.headers).then(
      (answer) => {
        const rejection = rejectionFor(req.headers, answer, permission)
        if (rejection) return send(res, rejection)
        req.latchkey = answer as ActiveAnswer
        next()
      },
      (error: unknown) => {
        try {
          send(res, unavailable(error))
        } catch (unexpected) {
          next(unexpected)
        }
      },
    )
  }
  return Object.assign(middleware, { close: () => verifier.close(), verifier })
}

declare global {
  namespace Express {
    interface Request {
      /** The active CONTRACT 5b answer of the request's token (set by `latchkey/verifier/express`). */
      latchkey?: ActiveAnswer
    }
  }
}
