import type { Transaction } from 'kysely'
import type { Database, Role } from '../db/schema.js'
import { generateToken, hashToken, tokenHint } from './format.js'

interface Common {
  name: string
  accountId: number
  permission: Role
  expiresAt: Date | null
}

/**
 * What a token is issued for: a person's own token, an application's under an
 * authorization, or an application acting as itself (client credentials, no user).
 */
export type NewToken =
  | (Common & { kind: 'personal'; userId: number })
  | (Common & {
      kind: 'application'
      userId: number
      applicationId: number
      authorizationId: number
      /** Ties the token to the authorization code it was exchanged for (RFC 6749 4.1.2, reuse revokes it). */
      codeHash: string | null
      /** The OpenID Connect scopes granted with it, space-separated (CONTRACT 10). */
      scopes?: string
    })
  | (Common & { kind: 'client'; applicationId: number })

export interface IssuedToken {
  id: number
  /** The token itself: returned once, only its SHA-256 is stored. */
  token: string
  hint: string
}

/** Stores a fresh token of either kind; the only INSERT into `tokens`. */
export async function issueToken(trx: Transaction<Database>, input: NewToken): Promise<IssuedToken> {
  const token = generateToken(input.kind)
  const hint = tokenHint(token)
  const row = await trx
    .insertInto('tokens')
    .values({
      kind: input.kind,
      token_hash: hashToken(token),
      hint,
      name: input.name,
      account_id: input.accountId,
      permission: input.permission,
      expires_at: input.expiresAt,
      ...(input.kind === 'personal'
        ? { user_id: input.userId }
        : input.kind === 'client'
          ? { user_id: null, application_id: input.applicationId }
          : {
              user_id: input.userId,
              application_id: input.applicationId,
              authorization_id: input.authorizationId,
              code_hash: input.codeHash,
              ...(input.scopes ? { scopes: input.scopes } : {}),
            }),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { id: row.id, token, hint }
}
