import { type Answer, type Permission, permissionAtLeast } from './answer.js'
import { VerifierUnavailableError } from './errors.js'
import { type HeadersLike, tokenFrom } from './token-input.js'

/** What the plugin and the middleware send when they turn a request away: CONTRACT 5a's statuses and bodies. */
export interface Rejection {
  statusCode: 401 | 403 | 503
  headers: Record<string, string>
  body: Record<string, unknown>
}

// The same words as Latchkey's own /verify, so a client sees one message whichever checked it.
const TOKEN_REQUIRED =
  'A token is required: send it in a request header (Authorization: Bearer <token>, or token: <token>).'
const TOKEN_INACTIVE =
  'The token is not valid: it is unknown, expired or revoked, or its user no longer has access.'

/** Undefined when the answer lets the request through; otherwise what to send instead. */
export function rejectionFor(
  headers: HeadersLike,
  answer: Answer,
  required: Permission | undefined,
): Rejection | undefined {
  if (!answer.active) {
    const sent = tokenFrom(headers) !== undefined
    return {
      statusCode: 401,
      headers: {
        'www-authenticate': sent
          ? 'Bearer realm="latchkey", error="invalid_token"'
          : 'Bearer realm="latchkey"',
      },
      body: {
        statusCode: 401,
        error: 'Authentication Failed',
        message: sent ? TOKEN_INACTIVE : TOKEN_REQUIRED,
      },
    }
  }
  if (required && !permissionAtLeast(answer.permission, required)) {
    return {
      statusCode: 403,
      headers: {},
      body: {
        statusCode: 403,
        error: 'Insufficient Permission',
        message: `This needs the ${required} permission; the token has ${answer.permission}.`,
        required,
        permission: answer.permission,
      },
    }
  }
  return undefined
}

/** Latchkey could not be asked: 503, and the request is not let through. */
export function unavailable(error: unknown): Rejection {
  if (!(error instanceof VerifierUnavailableError)) throw error
  return {
    statusCode: 503,
    headers: { 'retry-after': '1' },
    body: {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The token cannot be checked right now; try again.',
    },
  }
}
