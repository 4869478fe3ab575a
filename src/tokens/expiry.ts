import type { Application } from '../db/schema.js'

/**
 * When an access token issued now to the application expires: now plus its
 * `access_token_lifetime` (CONTRACT 10), or never when it has none. Every token
 * an application receives follows it, whichever flow or grant issued it.
 */
export function accessTokenExpiry(
  application: Pick<Application, 'access_token_lifetime'>,
  now: Date,
): Date | null {
  const lifetime = application.access_token_lifetime
  return lifetime === null ? null : new Date(now.getTime() + lifetime * 1000)
}
