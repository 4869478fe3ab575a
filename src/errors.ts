/**
 * Domain errors. Services throw these; the error handlers in `http/error-handler.ts`
 * turn them into the contract's JSON shape `{statusCode, error, message}` for the
 * API, RFC 6749 `{error, error_description}` for OAuth endpoints, or the error
 * page for browsers. Anything else is a 500 whose details go to the log only.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

export class BadRequestError extends AppError {
  constructor(message: string) {
    super(400, 'Bad Request', message)
  }
}

export class AuthenticationError extends AppError {
  /** @param invalidToken a token was sent but is not active (RFC 6750 `error="invalid_token"`) */
  constructor(
    message: string,
    readonly invalidToken = false,
  ) {
    super(401, 'Authentication Failed', message)
  }

  /** The RFC 6750 section 3 challenge. */
  get challenge(): string {
    return this.invalidToken ? 'Bearer realm="latchkey", error="invalid_token"' : 'Bearer realm="latchkey"'
  }
}

export class PermissionError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(403, 'Insufficient Permission', message, extra)
  }
}

/** A refusal that is not about the role (a page's own rule, a blocked address); PermissionError is about the role. */
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(403, 'Forbidden', message)
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found.') {
    super(404, 'Not Found', message)
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, 'Conflict', message)
  }
}

export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, 'Too Many Requests', message)
  }
}

/** Load shedding (http/load-shedding.ts): this instance is overloaded; another one, or a later try, will do. */
export class OverloadedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(503, 'Service Unavailable', 'The server is overloaded; try again shortly.')
  }
}

/** The RFC 6749 error codes Latchkey answers with (sections 4.1.2.1 and 5.2, RFC 8628 3.5's `slow_down` for rate limits). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'slow_down'
  | 'authorization_pending'
  | 'expired_token'

/**
 * An RFC 6749 section 5.2 error; one subclass per code, as node-oidc-provider's
 * `lib/helpers/errors.js` does, so a code cannot be misspelt and its status goes with it.
 */
export abstract class OAuthError extends Error {
  abstract readonly error: OAuthErrorCode
  readonly statusCode: number = 400

  constructor(readonly description: string) {
    super(description)
  }
}

export class InvalidRequest extends OAuthError {
  readonly error = 'invalid_request'
}

/** 401: the client could not be authenticated (RFC 6749 5.2). */
export class InvalidClient extends OAuthError {
  readonly error = 'invalid_client'
  override readonly statusCode = 401
}

export class InvalidGrant extends OAuthError {
  readonly error = 'invalid_grant'
}

export class UnsupportedGrantType extends OAuthError {
  readonly error = 'unsupported_grant_type'
}

export class InvalidScope extends OAuthError {
  readonly error = 'invalid_scope'
}

export class AccessDenied extends OAuthError {
  readonly error = 'access_denied'
}

/** RFC 8628 3.5: the person has not answered the device request yet; poll again. */
export class AuthorizationPending extends OAuthError {
  readonly error = 'authorization_pending'
}

/** RFC 8628 3.5: the device code expired; start again. */
export class ExpiredToken extends OAuthError {
  readonly error = 'expired_token'
}

/** 429 from the rate limit of the OAuth endpoints. */
export class SlowDown extends OAuthError {
  readonly error = 'slow_down'
  override readonly statusCode = 429
}

/** RFC 8628 3.5 `slow_down` at the token endpoint: a device polled faster than its interval (400, as RFC 6749 5.2). */
export class PollingTooFast extends OAuthError {
  readonly error = 'slow_down'
}
