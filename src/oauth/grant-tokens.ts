import type { Transaction } from 'kysely'
import type { AuditContext } from '../audit/record.js'
import { changeTime } from '../audit/record.js'
import { type AuthorizeInput, authorizeInTransaction, type Grant } from '../authorizations/service.js'
import type { Database, User } from '../db/schema.js'
import { InvalidGrant, PermissionError } from '../errors.js'
import { signIdToken } from '../oidc/id-token.js'
import type { SigningKeys } from '../oidc/signing-keys.js'
import type { TokenResponse } from './grants.js'
import { insertRefreshToken } from './refresh-tokens.js'
import { formatScope, type IdentityScope } from './scope.js'

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
 * has no `expires_in` and no `refresh_token`. A person who lost the role, or an
 * application that lowered its permission, since the approval is `invalid_grant`.
 */
export async function issueAuthorizationTokens(
  trx: Transaction<Database>,
  input: AuthorizationTokensInput,
  audit: AuditContext,
): Promise<{ grant: Grant; answer: TokenResponse }> {
  const grant = await authorizeInTransaction(trx, input, audit).catch((error: unknown) => {
    throw error instanceof PermissionError ? new InvalidGrant(error.message) : error
  })
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

/** The sign-in a person approved a grant in, as the id token tells it (OpenID Connect Core 2). */
export interface ApprovalSignIn {
  nonce: string | null
  authTime: Date
  /** Space-separated RFC 8176 values, as sessions store them. */
  amr: string
}

/**
 * The token endpoint's answer for a grant a person approved (the code and device
 * grants): the scope as granted, and an id token when `openid` was (CONTRACT 10),
 * signed after the transaction that issued the tokens.
 */
export async function personTokenAnswer(
  issued: { grant: Grant; answer: TokenResponse },
  input: {
    user: User | undefined
    identity: ReadonlySet<IdentityScope>
    signIn: ApprovalSignIn
    clientId: number
    oidc: { issuer: string; keys: SigningKeys }
    now: Date
  },
): Promise<TokenResponse> {
  const { grant, answer } = issued
  const { user, identity } = input
  const idToken =
    identity.has('openid') && user
      ? await signIdToken(input.oidc.keys, {
          issuer: input.oidc.issuer,
          clientId: input.clientId,
          subject: { userId: user.id, name: user.name, email: user.email, accountId: grant.accountId },
          scopes: identity,
          ...input.signIn,
          now: input.now,
        })
      : undefined
  return {
    ...answer,
    scope: formatScope({ permission: grant.permission, identity }),
    ...(idToken === undefined ? {} : { id_token: idToken }),
  }
}
