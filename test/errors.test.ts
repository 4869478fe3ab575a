import t from 'tap'
import {
  ForbiddenError,
  InvalidClient,
  InvalidGrant,
  InvalidRequest,
  OAuthError,
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
