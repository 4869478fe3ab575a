import type { Transaction } from 'kysely'
import type { AuditContext } from '../audit/record.js'
import { changeTime } from '../audit/record.js'
import { type AuthorizeInput, authorizeInTransaction, type Grant } from '../authorizations/service.js'
import type { Database } from '../db/schema.js'
import type { TokenResponse } from './grants.js'
import { insertRefreshToken } from './refresh-tokens.js'
import type { IdentityScope } from './scope.js'

export interface AuthorizationTokensInput extends AuthorizeInput {
  /** The identity scopes granted (CONTRACT 10), kept with the refresh token for its successors. */
  identity?: ReadonlySet<IdentityScope>
  /** The client did not authenticate (a public PKCE client): its refresh token may be used by client_id alone. */
  publicClient: boolean
}

/** Seconds until `expiresAt`, as `expires_in` says it (RFC 6749 5.1). */
export function secondsUntil(expiresAt: Date, now: Date): number {
  return Math.max(0, Math.round((expiresAt.getTime() - now.getTime()) / 1000))
}

/**
 * The answer of the grants that authorize for a person (the code grant; the
 * device grant the same way): grants the authorization and issues its access
 * token (authorizeInTransaction), and when the application's tokens expire
 * (`access_token_lifetime`) a refresh token of a new chain too, whether or not
 * `offline_access` was asked for (CONTRACT 10). Without a lifetime the answer
 * has no `expires_in` and no `refresh_token`.
 */
export async function issueAuthorizationTokens(
  trx: Transaction<Database>,
  input: AuthorizationTokensInput,
  audit: AuditContext,
): Promise<{ grant: Grant; answer: TokenResponse }> {
  const grant = await authorizeInTransaction(trx, input, audit)
  const now = changeTime(audit)
  const refreshToken =
    grant.expiresAt === null
      ? undefined
      : await insertRefreshToken(trx, {
          authorizationId: grant.authorizationId,
          applicationId: input.application.id,
          accountId: grant.accountId,
          userId: grant.userId,
          permission: grant.permission,
          identityScopes: [...(input.identity ?? [])].join(' '),
          publicClient: input.publicClient,
          now,
        })
  return { grant, answer: tokenAnswer(grant, now, refreshToken) }
}

/** The token endpoint's answer for an access token, with `expires_in` and the refresh token when there are. */
export function tokenAnswer(
  issued: { token: string; permission: Grant['permission']; accountId: number; expiresAt: Date | null },
  now: Date,
  refreshToken: string | undefined,
): TokenResponse {
  return {
    access_token: issued.token,
    token_type: 'Bearer',
    scope: issued.permission,
    account_id: issued.accountId,
    ...(issued.expiresAt === null ? {} : { expires_in: secondsUntil(issued.expiresAt, now) }),
    ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
  }
}
