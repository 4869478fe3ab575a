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

export class ServiceUnavailableError extends AppError {
  constructor(message = 'The database is not reachable; try again shortly.') {
    super(503, 'Service Unavailable', message)
  }
}

/** RFC 6749 section 5.2 / 4.1.2.1 errors. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly statusCode = 400,
  ) {
    super(description)
  }
}
