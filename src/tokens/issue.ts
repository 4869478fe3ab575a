import type { Transaction } from 'kysely'
import type { Database, Role } from '../db/schema.js'
import { generateToken, hashToken, tokenHint } from './format.js'

interface Common {
  name: string
  accountId: number
  userId: number
  permission: Role
}

/** What a token is issued for: a person's own token, or an application's under an authorization. */
export type NewToken =
  | (Common & { kind: 'personal'; expiresAt: Date | null })
  | (Common & {
      kind: 'application'
      applicationId: number
      authorizationId: number
      /** Ties the token to the authorization code it was exchanged for (RFC 6749 4.1.2, reuse revokes it). */
      codeHash: string | null
      /** The OpenID Connect scopes granted with it, space-separated (CONTRACT 10). */
      scopes?: string
    })

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
      user_id: input.userId,
      permission: input.permission,
      ...(input.kind === 'personal'
        ? { expires_at: input.expiresAt }
        : {
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
