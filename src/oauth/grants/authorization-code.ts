import type { Kysely } from 'kysely'
import { namesRegisteredRedirect } from '../../applications/urls.js'
import { fromClient, fromPerson } from '../../audit/context.js'
import type { AuditOrigin } from '../../audit/record.js'
import { recordChange } from '../../audit/record-change.js'
import type { Database } from '../../db/schema.js'
import { InvalidClient, InvalidGrant, InvalidRequest, OAuthError } from '../../errors.js'
import { identityScopesOf } from '../../oidc/claims.js'
import type { SigningKeys } from '../../oidc/signing-keys.js'
import { sha256Hex } from '../../security/secrets.js'
import { revoked, revokeTokens } from '../../tokens/revoke.js'
import { findUser } from '../../users/repo.js'
import type { AuthenticatedClient } from '../client-auth.js'
import { lockCode, markCodeUsed } from '../codes.js'
import { issueAuthorizationTokens, personTokenAnswer } from '../grant-tokens.js'
import type { Grant, TokenResponse } from '../grants.js'
import { isCodeVerifier, verifierMatches } from '../pkce.js'

export interface CodeExchange {
  client: AuthenticatedClient
  code: string
  redirectUri: string | undefined
  codeVerifier: string | undefined
  now: Date
  /** Signs the id token when the code was granted `openid` (CONTRACT 10). */
  oidc: { issuer: string; keys: SigningKeys }
}

const invalidGrant = (description: string) => new InvalidGrant(description)

/**
 * The authorization_code grant (RFC 6749 4.1.3, RFC 7636 4.6). PKCE: a code
 * issued with a challenge needs the matching verifier, whoever the client is;
 * a code issued without one refuses a verifier (no downgrade) and can only be
 * exchanged by a client that authenticates with its secret. The code row is
 * locked for the whole exchange, so a code works once even under a race; a
 * second use revokes every token issued from it.
 */
export async function exchangeAuthorizationCode(
  db: Kysely<Database>,
  input: CodeExchange,
  origin: AuditOrigin,
): Promise<TokenResponse> {
  if (input.codeVerifier !== undefined && !isCodeVerifier(input.codeVerifier)) {
    throw new InvalidRequest('code_verifier must be 43 to 128 unreserved characters')
  }
  const { application } = input.client
  const codeHash = sha256Hex(input.code)
  const outcome = await db.transaction().execute(async (trx) => {
    const row = await lockCode(trx, codeHash)
    if (!row || row.application_id !== application.id) return invalidGrant('The code is unknown.')
    if (row.used_at) {
      // RFC 6749 4.1.2: a code used twice revokes the tokens issued from it; every instance is told.
      const rows = await revokeTokens(trx, { codeHash }, input.now)
      await recordChange(trx, fromClient(origin, application), {
        event: {
          accountId: row.account_id,
          action: 'authorization_code.reused',
          targetType: 'application',
          targetId: application.id,
          details: { revoked_token_ids: rows.map((r) => r.id) },
        },
        invalidate: revoked(rows),
      })
      return invalidGrant('The code was already used; the tokens issued from it are revoked.')
    }
    if (row.expires_at.getTime() <= input.now.getTime()) return invalidGrant('The code has expired.')
    // RFC 6749 4.1.3: the same redirect_uri as at /oauth/authorize, to the letter;
    // when none was sent there, one sent here must name the registered URL.
    const uriMatches = row.redirect_uri
      ? input.redirectUri === row.redirect_uri
      : input.redirectUri === undefined ||
        namesRegisteredRedirect(input.redirectUri, application.redirect_url)
    if (!uriMatches) {
      return invalidGrant('redirect_uri does not match the one in the authorization request.')
    }
    if (row.code_challenge) {
      if (input.codeVerifier === undefined) return invalidGrant('code_verifier is required for this code.')
      if (!verifierMatches(input.codeVerifier, row.code_challenge))
        return invalidGrant('code_verifier does not match the code_challenge.')
    } else if (input.codeVerifier !== undefined) {
      return invalidGrant('This code was issued without a code_challenge; code_verifier is not expected.')
    } else if (input.client.method === 'none') {
      return new InvalidClient('A public client must use PKCE.')
    }
    await markCodeUsed(trx, codeHash, input.now)
    const user = await findUser(trx, row.user_id)
    const identity = identityScopesOf(row.identity_scopes)
    const issued = await issueAuthorizationTokens(
      trx,
      {
        application,
        accountId: row.account_id,
        userId: row.user_id,
        permission: row.permission,
        codeHash,
        scopes: row.identity_scopes,
        identity,
        publicClient: input.client.method === 'none',
      },
      fromPerson(origin, row.user_id, user?.email ?? ''),
    )
    return { issued, row, user, identity }
  })
  if (outcome instanceof OAuthError) throw outcome
  const { issued, row, user, identity } = outcome
  return personTokenAnswer(issued, {
    user,
    identity,
    signIn: { nonce: row.nonce, authTime: row.auth_time ?? row.created_at, amr: row.amr },
    clientId: application.id,
    oidc: input.oidc,
    now: input.now,
  })
}

/** `grant_type=authorization_code`: a public client may exchange a code when it proves PKCE. */
export const authorizationCodeGrant: Grant = {
  allowsPublicClient: (body) => body.code_verifier !== undefined,
  async exchange({ app, body, client, origin }) {
    if (!body.code) throw new InvalidRequest('code is required')
    return exchangeAuthorizationCode(
      app.db,
      {
        client,
        code: body.code,
        redirectUri: body.redirect_uri,
        codeVerifier: body.code_verifier,
        now: app.config.now(),
        oidc: { issuer: app.config.publicUrl, keys: app.signingKeys },
      },
      origin,
    )
  },
}
