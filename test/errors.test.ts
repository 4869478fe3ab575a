import t from 'tap'
import {
  AccessDenied,
  AuthorizationPending,
  ExpiredToken,
  ForbiddenError,
  InvalidClient,
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  OAuthError,
  PollingTooFast,
  SlowDown,
  UnsupportedGrantType,
} from '../src/errors.js'

t.test('one class per OAuth error code, each with the status RFC 6749 5.2 gives it', async (t) => {
  const cases: [OAuthError, string, number][] = [
    [new InvalidRequest('x'), 'invalid_request', 400],
    [new InvalidClient('x'), 'invalid_client', 401],
    [new InvalidGrant('x'), 'invalid_grant', 400],
    [new UnsupportedGrantType('x'), 'unsupported_grant_type', 400],
    [new SlowDown('x'), 'slow_down', 429],
    [new InvalidScope('x'), 'invalid_scope', 400],
    [new AccessDenied('x'), 'access_denied', 400],
    // RFC 8628 3.5: the device grant's polling answers are 400s of RFC 6749 5.2.
    [new AuthorizationPending('x'), 'authorization_pending', 400],
    [new ExpiredToken('x'), 'expired_token', 400],
    [new PollingTooFast('x'), 'slow_down', 400],
  ]
  for (const [error, code, status] of cases) {
    t.ok(error instanceof OAuthError, code)
    t.equal(error.error, code)
    t.equal(error.statusCode, status, `${code} is ${status}`)
    t.equal(error.description, 'x')
    t.equal(error.message, 'x')
  }
})

t.test('ForbiddenError is the contract shape with 403 Forbidden', async (t) => {
  const error = new ForbiddenError('Not from here.')
  t.equal(error.statusCode, 403)
  t.equal(error.error, 'Forbidden')
  t.equal(error.message, 'Not from here.')
})
