import type { FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import { clientSecretMatches } from '../applications/client-secret.js'
import { findApplication } from '../applications/repo.js'
import type { Application, Database } from '../db/schema.js'
import { OAuthError } from '../errors.js'

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none'

export interface AuthenticatedClient {
  application: Application
  method: ClientAuthMethod
}

const FAILED = 'Client authentication failed: unknown client_id or wrong client secret.'

interface Credentials {
  clientId: string | undefined
  secret: string | undefined
  method: ClientAuthMethod
}

// RFC 6749 2.3.1: the id and secret are form-urlencoded before Basic encoding.
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '))
}

function basicCredentials(header: string): { clientId: string; secret: string } {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)
  const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : ''
  const colon = decoded.indexOf(':')
  if (colon < 0) throw new OAuthError('invalid_client', 'Malformed HTTP Basic credentials.', 401)
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) }
  } catch {
    throw new OAuthError('invalid_client', 'Malformed HTTP Basic credentials.', 401)
  }
}

function credentialsOf(request: FastifyRequest): Credentials {
  const body = (request.body ?? {}) as { client_id?: unknown; client_secret?: unknown }
  const bodyId = typeof body.client_id === 'string' ? body.client_id : undefined
  const bodySecret = typeof body.client_secret === 'string' ? body.client_secret : undefined
  const header = request.headers.authorization
  if (typeof header === 'string' && /^Basic\s/i.test(header)) {
    const basic = basicCredentials(header)
    // RFC 6749 2.3: a client MUST NOT use more than one authentication method per request.
    if (bodySecret !== undefined || (bodyId !== undefined && bodyId !== basic.clientId)) {
      throw new OAuthError('invalid_request', 'Use one client authentication method, not two.')
    }
    return { clientId: basic.clientId, secret: basic.secret, method: 'client_secret_basic' }
  }
  if (bodySecret !== undefined) return { clientId: bodyId, secret: bodySecret, method: 'client_secret_post' }
  return { clientId: bodyId, secret: undefined, method: 'none' }
}

/**
 * Authenticates the calling application with its client secret (HTTP Basic or
 * form fields), or, where `allowPublic`, identifies a public client by its
 * `client_id` alone (the code flow then requires PKCE). Failures are RFC 6749
 * 5.2 `invalid_client` with 401.
 */
export async function authenticateClient(
  db: Kysely<Database>,
  request: FastifyRequest,
  options: { allowPublic: boolean },
): Promise<AuthenticatedClient> {
  const { clientId, secret, method } = credentialsOf(request)
  const application =
    clientId && /^\d{1,10}$/.test(clientId) ? await findApplication(db, Number(clientId)) : undefined
  if (!application) throw new OAuthError('invalid_client', FAILED, 401)
  if (method === 'none') {
    if (options.allowPublic) return { application, method }
    throw new OAuthError('invalid_client', 'Client authentication is required: send the client secret.', 401)
  }
  if (!clientSecretMatches(application, secret ?? '')) throw new OAuthError('invalid_client', FAILED, 401)
  return { application, method }
}
