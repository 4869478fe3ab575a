import type { Kysely, Transaction } from 'kysely'
import type { AuditContext } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Database } from '../db/schema.js'
import { InvalidClient } from '../errors.js'
import { hashToken, isRefreshToken, parseToken } from '../tokens/format.js'
import { type RevokedToken, revoked, revokeTokens } from '../tokens/revoke.js'
import type { AuthenticatedClient } from './client-auth.js'
import { isLiveRefreshToken, lockRefreshToken, revokeRefreshFamily } from './refresh-tokens.js'

/**
 * Ends a refresh token's chain: its live refresh tokens, and the live access
 * tokens of its authorization (RFC 7009 2.1: revoking a refresh token SHOULD
 * invalidate the access tokens of the same grant; Latchkey cannot tell which
 * access tokens came from which chain, so all of the authorization's go — an
 * application with other chains on the same authorization refreshes them, their
 * refresh tokens stay). Used by /oauth/revoke and by the leak report.
 */
export async function endRefreshChain(
  trx: Transaction<Database>,
  chain: { family: string; authorization_id: number },
  now: Date,
): Promise<{ tokens: RevokedToken[]; refreshTokens: number }> {
  const refreshTokens = await revokeRefreshFamily(trx, chain.family, now)
  const tokens = await revokeTokens(
    trx,
    { authorizationId: chain.authorization_id, kind: 'application' },
    now,
  )
  return { tokens, refreshTokens }
}

/**
 * RFC 7009 revocation by the application the token was issued to. A token that
 * is unknown, malformed, already revoked or another application's is left
 * alone, and the caller cannot tell the difference (the endpoint answers 200).
 * The token's prefix says what it is; `token_type_hint` is not needed.
 */
export async function revokeClientToken(
  db: Kysely<Database>,
  input: { client: AuthenticatedClient; token: string; now: Date },
  audit: AuditContext,
): Promise<boolean> {
  const { application } = input.client
  if (isRefreshToken(input.token)) return revokeClientRefreshToken(db, input, audit)
  if (input.client.method === 'none')
    throw new InvalidClient('Client authentication is required: send the client secret.')
  if (parseToken(input.token) !== 'application') return false
  return db.transaction().execute(async (trx) => {
    const [row] = await revokeTokens(
      trx,
      { tokenHash: hashToken(input.token), kind: 'application', applicationId: application.id },
      input.now,
    )
    if (!row) return false
    await recordChange(trx, audit, {
      event: {
        accountId: row.account_id,
        action: 'application_token.revoked',
        targetType: 'token',
        targetId: row.id,
        details: { application_id: application.id, name: application.name },
      },
      invalidate: revoked([row]),
    })
    return true
  })
}

/**
 * A refresh token revoked by its own client ends its chain (`endRefreshChain`).
 * As at the refresh grant, a public client names itself by client_id, and only
 * for a refresh token issued to it as a public client; a spent, revoked or
 * expired refresh token is left as it is.
 */
async function revokeClientRefreshToken(
  db: Kysely<Database>,
  input: { client: AuthenticatedClient; token: string; now: Date },
  audit: AuditContext,
): Promise<boolean> {
  const { application } = input.client
  const outcome = await db.transaction().execute(async (trx) => {
    const row = await lockRefreshToken(trx, hashToken(input.token))
    if (!row || row.application_id !== application.id) return false
    if (input.client.method === 'none' && !row.public_client)
      return new InvalidClient(
        'This refresh token was issued to an authenticated client: send the client secret.',
      )
    if (!isLiveRefreshToken(row, input.now)) return false
    const { tokens, refreshTokens } = await endRefreshChain(trx, row, input.now)
    await recordChange(trx, audit, {
      event: {
        accountId: row.account_id,
        action: 'refresh_token.revoked',
        targetType: 'application',
        targetId: application.id,
        details: {
          authorization_id: row.authorization_id,
          revoked_token_ids: tokens.map((t) => t.id),
          revoked_refresh_tokens: refreshTokens,
        },
      },
      invalidate: revoked(tokens),
    })
    return true
  })
  if (outcome instanceof InvalidClient) throw outcome
  return outcome
}
