import type { FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import { clientSecretMatches } from '../applications/client-secret.js'
import { findApplication } from '../applications/repo.js'
import type { Application, Database } from '../db/schema.js'
import { InvalidClient, InvalidRequest } from '../errors.js'
import { isBasicScheme, parseBasicCredentials } from '../security/basic-credentials.js'

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

function credentialsOf(request: FastifyRequest): Credentials {
  const body = (request.body ?? {}) as { client_id?: unknown; client_secret?: unknown }
  const bodyId = typeof body.client_id === 'string' ? body.client_id : undefined
  const bodySecret = typeof body.client_secret === 'string' ? body.client_secret : undefined
  const header = request.headers.authorization
  if (isBasicScheme(header)) {
    const parsed = parseBasicCredentials(header)
    if (!parsed) throw new InvalidClient('Malformed HTTP Basic credentials.')
    const basic = { clientId: parsed.username, secret: parsed.password }
    // RFC 6749 2.3: a client MUST NOT use more than one authentication method per request.
    if (bodySecret !== undefined || (bodyId !== undefined && bodyId !== basic.clientId)) {
      throw new InvalidRequest('Use one client authentication method, not two.')
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
  if (!application) throw new InvalidClient(FAILED)
  if (method === 'none') {
    if (options.allowPublic) return { application, method }
    throw new InvalidClient('Client authentication is required: send the client secret.')
  }
  if (!clientSecretMatches(application, secret ?? '')) throw new InvalidClient(FAILED)
  return { application, method }
}
