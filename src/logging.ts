import type { FastifyServerOptions } from 'fastify'
import type { LogLevel } from './config.js'

// Query parameters that may carry secrets when a client puts them in the URL
// against our advice; their values never reach the log.
const SECRET_PARAMS = /([?&](?:token|access_token|code|client_secret|code_verifier|password|secret)=)[^&#]*/gi

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[REDACTED]')
}

/** JSON lines; secrets in headers and bodies are redacted by configuration. */
export function loggerOptions(level: LogLevel): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.token',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.token',
        '*.client_secret',
        '*.code_verifier',
        '*.code',
        '*.secret',
      ],
      censor: '[REDACTED]',
    },
    serializers: {
      req(request) {
        return {
          method: request.method,
          url: redactUrl(request.url),
          remoteAddress: request.ip,
        }
      },
    },
  }
}
