import type { FastifyRequest } from 'fastify'
import { AuthenticationError } from '../errors.js'

export const SEND_IN_HEADER =
  'Send the token in a request header (Authorization: Bearer <token>, or token: <token>); a token in the query string or body is not read.'
export const TOKEN_REQUIRED =
  'A token is required: send it in a request header (Authorization: Bearer <token>, or token: <token>).'
export const TOKEN_INACTIVE =
  'The token is not valid: it is unknown, expired or revoked, or its user no longer has access.'

const TOKEN_PARAMS = ['token', 'access_token']

function hasTokenParam(source: unknown): boolean {
  return typeof source === 'object' && source !== null && TOKEN_PARAMS.some((k) => k in source)
}

/**
 * The token a client sent in `Authorization: Bearer …` or `token: …` (CONTRACT
 * section 2). Throws 401 when there is none; the message says to use a header
 * when the token came in the query string or body instead (it is never read there).
 */
export function headerToken(request: FastifyRequest): string {
  const authorization = request.headers.authorization
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    if (match?.[1]) return match[1]
  }
  const tokenHeader = request.headers.token
  if (typeof tokenHeader === 'string' && tokenHeader.trim()) return tokenHeader.trim()
  if (hasTokenParam(request.query) || hasTokenParam(request.body))
    throw new AuthenticationError(SEND_IN_HEADER)
  throw new AuthenticationError(TOKEN_REQUIRED)
}
