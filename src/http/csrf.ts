import { Tokens } from '@fastify/csrf'
import csrf from '@fastify/csrf-protection'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ForbiddenError } from '../errors.js'

const CSRF_COOKIE = 'lk_csrf'
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const FORM_EXPIRED = 'The form has expired or did not come from this site. Reload the page and try again.'

function csrfCookieOptions(publicUrl: string) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: publicUrl.startsWith('https:'),
    signed: true,
  }
}

// CSRF tokens are bound to the session they were issued in (HMAC over the
// session id hash), so a token lifted from another session is worthless.
function csrfUserInfo(request: FastifyRequest): string {
  return request.viewer?.sessionIdHash ?? 'anonymous'
}

// Where @fastify/csrf-protection looks for the token by default: the form field, then the headers.
function submittedToken(request: FastifyRequest): unknown {
  const body = request.body as { _csrf?: unknown } | undefined
  const { headers } = request
  return (
    body?._csrf ||
    headers['csrf-token'] ||
    headers['xsrf-token'] ||
    headers['x-csrf-token'] ||
    headers['x-xsrf-token']
  )
}

/**
 * CSRF for the page scope: a random secret in the signed `lk_csrf` cookie, and
 * per-form tokens HMACed with SESSION_SECRET over that secret and the session.
 *
 * @fastify/csrf-protection makes the cookie and the tokens (with the first
 * secret), but it verifies with one `hmacKey` only, so after a rotation every
 * form already on a screen would fail. Verification is therefore done here with
 * the library's own token class (@fastify/csrf, which it uses inside), once per
 * listed secret: a form rendered before `SESSION_SECRET=new,old` still posts,
 * and stops posting once the old secret is dropped (CONTRACT 12).
 */
export const formProtection = fp(async (app: FastifyInstance) => {
  const secrets = app.config.sessionSecrets
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    cookieOpts: csrfCookieOptions(app.config.publicUrl),
    getUserInfo: csrfUserInfo,
    csrfOpts: { hmacKey: secrets[0] as string },
  })
  const verifiers = secrets.map((hmacKey) => new Tokens({ hmacKey, userInfo: true }))

  app.addHook('preHandler', async (request) => {
    if (!UNSAFE_METHODS.has(request.method)) return
    const cookie = request.cookies[CSRF_COOKIE]
    const secret = cookie ? request.unsignCookie(cookie) : undefined
    const token = submittedToken(request)
    const userInfo = csrfUserInfo(request)
    const valid =
      secret?.valid === true &&
      typeof token === 'string' &&
      verifiers.some((tokens) => tokens.verify(secret.value, token, userInfo))
    if (!valid) {
      request.log.warn('invalid or missing CSRF token')
      throw new ForbiddenError(FORM_EXPIRED)
    }
  })
})

/**
 * A fresh CSRF token for the page being rendered. A cookie still signed with an
 * older secret is signed again with the first one, so browsers that keep coming
 * back carry no old signatures by the time that secret is dropped.
 */
export function csrfTokenFor(reply: FastifyReply): string {
  const cookie = reply.request.cookies[CSRF_COOKIE]
  const unsigned = cookie ? reply.unsignCookie(cookie) : undefined
  if (unsigned?.valid && unsigned.renew) {
    reply.setCookie(CSRF_COOKIE, unsigned.value, csrfCookieOptions(reply.server.config.publicUrl))
  }
  return reply.generateCsrf({ userInfo: csrfUserInfo(reply.request) })
}
