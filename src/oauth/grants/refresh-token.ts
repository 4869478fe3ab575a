import type { Kysely, Transaction } from 'kysely'
import { effectiveRole } from '../../accounts/repo.js'
import { lowerRole } from '../../accounts/roles.js'
import { fromClient } from '../../audit/context.js'
import type { AuditOrigin } from '../../audit/record.js'
import { recordChange } from '../../audit/record-change.js'
import type { Database } from '../../db/schema.js'
import { InvalidClient, InvalidGrant, InvalidRequest, InvalidScope, OAuthError } from '../../errors.js'
import { accessTokenExpiry } from '../../tokens/expiry.js'
import { hashToken, isRefreshToken } from '../../tokens/format.js'
import { issueToken } from '../../tokens/issue.js'
import { revoked, revokeTokens } from '../../tokens/revoke.js'
import type { AuthenticatedClient } from '../client-auth.js'
import { tokenAnswer } from '../grant-tokens.js'
import type { Grant, TokenResponse } from '../grants.js'
import {
  insertRefreshToken,
  lockRefreshToken,
  type RefreshTokenRow,
  revokeRefreshTokens,
  spendRefreshToken,
} from '../refresh-tokens.js'
import { IDENTITY_SCOPES, parseScope, type Scope } from '../scope.js'

export interface RefreshExchange {
  client: AuthenticatedClient
  refreshToken: string
  scope: string | undefined
  now: Date
}

const UNKNOWN = 'The refresh token is unknown, or was issued to another client.'

/** `scope` on refresh may narrow what the refresh token carries, never widen it (RFC 6749 6). */
function requestedScope(value: string | undefined, row: RefreshTokenRow): Scope | OAuthError {
  const carried = new Set(row.identity_scopes.split(' ').filter((word) => word !== ''))
  if (value === undefined) {
    return { permission: row.permission, identity: new Set(IDENTITY_SCOPES.filter((w) => carried.has(w))) }
  }
  const parsed = parseScope(value, row.permission)
  if (!parsed.ok) return new InvalidScope(`${parsed.description} (at most what the refresh token carries)`)
  const wider = [...parsed.scope.identity].find((word) => !carried.has(word))
  if (wider) return new InvalidScope(`The refresh token does not carry the scope "${wider}".`)
  return parsed.scope
}

/**
 * Presenting a spent refresh token means two parties hold the chain (RFC 9700
 * 4.14.2): every token of the authorization and all its refresh tokens are
 * revoked, audited, and every instance drops them. Returned, not thrown, so the
 * revocation commits.
 */
async function refuseReuse(
  trx: Transaction<Database>,
  row: RefreshTokenRow,
  client: AuthenticatedClient,
  origin: AuditOrigin,
  now: Date,
): Promise<OAuthError> {
  const tokens = await revokeTokens(trx, { authorizationId: row.authorization_id }, now)
  const refreshTokens = await revokeRefreshTokens(trx, row.authorization_id, now)
  await recordChange(trx, fromClient(origin, client.application), {
    event: {
      accountId: row.account_id,
      action: 'refresh_token.reused',
      targetType: 'application',
      targetId: client.application.id,
      details: { revoked_token_ids: tokens.map((t) => t.id), revoked_refresh_tokens: refreshTokens },
    },
    invalidate: [...revoked(tokens), { type: 'authorization', id: row.authorization_id }],
  })
  return new InvalidGrant('The refresh token was already used; every token of this authorization is revoked.')
}

/**
 * `grant_type=refresh_token` (RFC 6749 6, CONTRACT 10), rotating: the row is
 * locked for the whole exchange, so of two concurrent uses one rotates and the
 * other finds the token spent. Each use spends the old refresh token and
 * returns a new access token and a new refresh token of the same chain (the
 * same scope as the old one, RFC 6749 6). The access token's permission is the
 * lower of the requested scope, the authorization's permission now and the
 * person's effective role now, as at the code grant.
 */
export async function exchangeRefreshToken(
  db: Kysely<Database>,
  input: RefreshExchange,
  origin: AuditOrigin,
): Promise<TokenResponse> {
  const { application } = input.client
  if (!isRefreshToken(input.refreshToken)) throw new InvalidGrant(UNKNOWN)
  const outcome = await db.transaction().execute(async (trx) => {
    const row = await lockRefreshToken(trx, hashToken(input.refreshToken))
    if (!row || row.application_id !== application.id) return new InvalidGrant(UNKNOWN)
    if (input.client.method === 'none' && !row.public_client) {
      return new InvalidClient(
        'This refresh token was issued to an authenticated client: send the client secret.',
      )
    }
    if (row.used_at || row.revoked_at) return refuseReuse(trx, row, input.client, origin, input.now)
    if (row.expires_at.getTime() <= input.now.getTime()) {
      return new InvalidGrant('The refresh token has expired: it was not used for 30 days.')
    }
    const scope = requestedScope(input.scope, row)
    if (scope instanceof OAuthError) return scope
    const role = row.user_disabled ? undefined : await effectiveRole(trx, row.user_id, row.account_id)
    if (!role)
      return new InvalidGrant('The person who authorized the application can no longer use this account.')
    const permission = lowerRole(lowerRole(scope.permission, row.authorization_permission), role)
    await spendRefreshToken(trx, row.id, input.now)
    const expiresAt = accessTokenExpiry(application, input.now)
    const issued = await issueToken(trx, {
      kind: 'application',
      name: application.name,
      accountId: row.account_id,
      userId: row.user_id,
      applicationId: application.id,
      authorizationId: row.authorization_id,
      codeHash: null,
      permission,
      expiresAt,
    })
    // An application whose lifetime was removed since gets a token that does not expire, and no successor.
    const successor =
      expiresAt === null
        ? undefined
        : await insertRefreshToken(trx, {
            family: row.family,
            authorizationId: row.authorization_id,
            applicationId: application.id,
            accountId: row.account_id,
            userId: row.user_id,
            // A chain outlives no lowering of its authorization.
            permission: lowerRole(row.permission, row.authorization_permission),
            identityScopes: row.identity_scopes,
            publicClient: row.public_client,
            now: input.now,
          })
    return tokenAnswer({ ...issued, permission, accountId: row.account_id, expiresAt }, input.now, successor)
  })
  if (outcome instanceof OAuthError) throw outcome
  return outcome
}

/** `grant_type=refresh_token`: a public client refreshes by client_id alone, if its token was issued so. */
export const refreshTokenGrant: Grant = {
  allowsPublicClient: () => true,
  async exchange({ app, body, client, origin }) {
    if (!body.refresh_token) throw new InvalidRequest('refresh_token is required')
    return exchangeRefreshToken(
      app.db,
      { client, refreshToken: body.refresh_token, scope: body.scope, now: app.config.now() },
      origin,
    )
  },
}
