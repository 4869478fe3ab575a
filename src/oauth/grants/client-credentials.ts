import { fromClient } from '../../audit/context.js'
import { recordChange } from '../../audit/record-change.js'
import { InvalidScope } from '../../errors.js'
import { accessTokenExpiry } from '../../tokens/expiry.js'
import { issueToken } from '../../tokens/issue.js'
import { tokenAnswer } from '../grant-tokens.js'
import type { Grant } from '../grants.js'
import { parseScope } from '../scope.js'

/**
 * `grant_type=client_credentials` (RFC 6749 4.4, CONTRACT 10): a token of kind
 * `client` that acts as the application itself on the account that owns it,
 * with at most the application's permission (`scope` may ask for less). Only a
 * client that authenticates with its secret may ask (the route answers
 * `invalid_client` to one that sends no secret). The token follows the
 * application's lifetime and comes without a refresh token (RFC 6749 4.4.3):
 * the client can simply ask again. Its effective permission stays the lower of
 * its own and the application's current one (validation/lookup.ts).
 */
export const clientCredentialsGrant: Grant = {
  allowsPublicClient: () => false,
  async exchange({ app, body, client, origin }) {
    const { application } = client
    const parsed = parseScope(body.scope, application.permission)
    if (!parsed.ok) throw new InvalidScope(parsed.description)
    if (parsed.scope.identity.size > 0) {
      throw new InvalidScope(
        'A client credentials token acts for no person: only a permission may be asked for.',
      )
    }
    const { permission } = parsed.scope
    const now = app.config.now()
    const expiresAt = accessTokenExpiry(application, now)
    const issued = await app.db.transaction().execute(async (trx) => {
      const token = await issueToken(trx, {
        kind: 'client',
        name: application.name,
        accountId: application.account_id,
        applicationId: application.id,
        permission,
        expiresAt,
      })
      await recordChange(trx, fromClient(origin, application), {
        event: {
          accountId: application.account_id,
          action: 'client_credentials.issued',
          targetType: 'token',
          targetId: token.id,
          details: {
            application_id: application.id,
            permission,
            expires_at: expiresAt?.toISOString() ?? null,
          },
        },
        invalidate: [],
      })
      return token
    })
    return tokenAnswer(
      { ...issued, permission, accountId: application.account_id, expiresAt },
      now,
      undefined,
    )
  },
}
