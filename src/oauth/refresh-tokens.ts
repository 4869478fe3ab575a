import type { Transaction } from 'kysely'
import type { Database, Role } from '../db/schema.js'
import { randomSecret } from '../security/secrets.js'
import { generateRefreshToken, hashToken } from '../tokens/format.js'

/** A refresh token unused this long is dead (CONTRACT 10); each rotation starts the count again. */
export const REFRESH_TOKEN_IDLE_MS = 30 * 24 * 3600 * 1000

export interface NewRefreshToken {
  /** The chain it continues; a new chain when absent. */
  family?: string
  authorizationId: number
  applicationId: number
  accountId: number
  userId: number
  permission: Role
  identityScopes: string
  publicClient: boolean
  now: Date
}

/** Stores a fresh refresh token (SHA-256 only) and returns the token itself, shown once. */
export async function insertRefreshToken(
  trx: Transaction<Database>,
  input: NewRefreshToken,
): Promise<string> {
  const token = generateRefreshToken()
  await trx
    .insertInto('refresh_tokens')
    .values({
      token_hash: hashToken(token),
      family: input.family ?? randomSecret(16),
      authorization_id: input.authorizationId,
      application_id: input.applicationId,
      account_id: input.accountId,
      user_id: input.userId,
      permission: input.permission,
      identity_scopes: input.identityScopes,
      public_client: input.publicClient,
      created_at: input.now,
      expires_at: new Date(input.now.getTime() + REFRESH_TOKEN_IDLE_MS),
    })
    .execute()
  return token
}

export interface RefreshTokenRow {
  id: number
  family: string
  authorization_id: number
  application_id: number
  account_id: number
  user_id: number
  permission: Role
  identity_scopes: string
  public_client: boolean
  expires_at: Date
  used_at: Date | null
  revoked_at: Date | null
  /** The authorization's permission now (re-authorizing lower narrows it). */
  authorization_permission: Role
  user_disabled: boolean
}

/**
 * The refresh token with this hash, locked until the transaction ends (two
 * concurrent uses: the second waits and then finds it spent), with its
 * authorization's current permission and whether its user is disabled. Its
 * authorization, application and user still exist: they take it with them.
 */
export async function lockRefreshToken(
  trx: Transaction<Database>,
  tokenHash: string,
): Promise<RefreshTokenRow | undefined> {
  const row = await trx
    .selectFrom('refresh_tokens as r')
    .innerJoin('authorizations as a', 'a.id', 'r.authorization_id')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select([
      'r.id',
      'r.family',
      'r.authorization_id',
      'r.application_id',
      'r.account_id',
      'r.user_id',
      'r.permission',
      'r.identity_scopes',
      'r.public_client',
      'r.expires_at',
      'r.used_at',
      'r.revoked_at',
      'a.permission as authorization_permission',
    ])
    .select((eb) => eb('u.disabled_at', 'is not', null).as('user_disabled'))
    .where('r.token_hash', '=', tokenHash)
    .forUpdate('r')
    .executeTakeFirst()
  return row && { ...row, user_disabled: Boolean(row.user_disabled) }
}

/** Ends a refresh token by using it (rotation); the row stays so that a replay is recognised. */
export async function spendRefreshToken(trx: Transaction<Database>, id: number, now: Date): Promise<void> {
  await trx.updateTable('refresh_tokens').set({ used_at: now }).where('id', '=', id).execute()
}

/** Ends every live refresh token of an authorization; returns how many. */
export async function revokeRefreshTokens(
  trx: Transaction<Database>,
  authorizationId: number,
  now: Date,
): Promise<number> {
  const result = await trx
    .updateTable('refresh_tokens')
    .set({ revoked_at: now })
    .where('authorization_id', '=', authorizationId)
    .where('revoked_at', 'is', null)
    .where('used_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** Ends the live refresh tokens of one chain (the token and its unspent successor); returns how many. */
export async function revokeRefreshFamily(
  trx: Transaction<Database>,
  family: string,
  now: Date,
): Promise<number> {
  const result = await trx
    .updateTable('refresh_tokens')
    .set({ revoked_at: now })
    .where('family', '=', family)
    .where('revoked_at', 'is', null)
    .where('used_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** Whether a refresh token can still be exchanged: not spent, not revoked, used within 30 days. */
export function isLiveRefreshToken(
  row: { used_at: Date | null; revoked_at: Date | null; expires_at: Date },
  now: Date,
): boolean {
  return row.used_at === null && row.revoked_at === null && row.expires_at.getTime() > now.getTime()
}
