import { CompiledQuery } from 'kysely'
import type pg from 'pg'
import { lowerRole } from '../accounts/roles.js'
import type { DatabaseHandle } from '../db/connect.js'
import type { Role, TokenKind } from '../db/schema.js'

/** A token row and its user, without the token itself. */
export interface TokenRow {
  tokenId: number
  kind: TokenKind
  name: string
  /** Null for a client-credentials token (kind `client`): it acts as its application, for nobody. */
  userId: number | null
  username: string | null
  accountId: number
  appId: number | null
  /** The application's permission now; read only for kind `client`, whose effective permission it caps. */
  appPermission: Role | null
  authorizationId: number | null
  /** The token's own permission, as issued. */
  tokenPermission: Role
  issuedAt: Date
  expiresAt: Date | null
  lastUsedAt: Date | null
  revokedAt: Date | null
  /** A disabled user's tokens are inactive (reported, not filtered, so that "no row" stays true forever). */
  userDisabled: boolean
}

/** What a user may do on an account, which all their tokens there share. */
export interface Access {
  /** The account and its ancestors, nearest first (for cache invalidation). */
  accountPath: number[]
  /** The user's current effective role on the account; null when none is left. */
  userRole: Role | null
}

/**
 * Everything needed to answer for a token, with its effective permission worked
 * out once when the record is read (the lower of the token's permission and the
 * user's role, or for a client-credentials token the application's current
 * permission, CONTRACT 10; null when no role is left). Records are never changed in place: a
 * change replaces them, so the cached object can be handed out as is.
 */
export type TokenRecord = TokenRow & Access & { permission: Role | null }

// Built field by field: object spread was 3 % of a cache miss's CPU time.
export function tokenRecord(row: TokenRow, access: Access): TokenRecord {
  const actingRole = row.kind === 'client' ? row.appPermission : access.userRole
  return {
    tokenId: row.tokenId,
    kind: row.kind,
    name: row.name,
    userId: row.userId,
    username: row.username,
    accountId: row.accountId,
    appId: row.appId,
    appPermission: row.appPermission,
    authorizationId: row.authorizationId,
    tokenPermission: row.tokenPermission,
    issuedAt: row.issuedAt,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    userDisabled: row.userDisabled,
    accountPath: access.accountPath,
    userRole: access.userRole,
    permission: actingRole ? lowerRole(row.tokenPermission, actingRole) : null,
  }
}

// One JSON array instead of fourteen columns: the driver then sets up one field
// parser instead of fourteen, which made a miss's lookup cost on the Node side
// the same as a one-column query (17 µs instead of 25 µs of CPU, bench/RESULTS.md).
const TOKEN_BY_HASH = `
  SELECT json_build_array(t.id, t.kind, t.name, t.user_id, u.email, t.account_id, t.application_id,
           t.authorization_id, t.permission, t.created_at, t.expires_at, t.last_used_at, t.revoked_at,
           u.disabled_at IS NOT NULL, a.permission) AS token
  FROM tokens t LEFT JOIN users u ON u.id = t.user_id
    LEFT JOIN applications a ON a.id = t.application_id AND t.kind = 'client'
  WHERE t.token_hash = $1`

type TokenJson = [
  id: number,
  kind: TokenKind,
  name: string,
  userId: number | null,
  email: string | null,
  accountId: number,
  applicationId: number | null,
  authorizationId: number | null,
  permission: Role,
  createdAt: string,
  expiresAt: string | null,
  lastUsedAt: string | null,
  revokedAt: string | null,
  userDisabled: boolean,
  appPermission: Role | null,
]

const date = (text: string | null): Date | null => (text === null ? null : new Date(text))

// The highest role the user holds on the account or any ancestor (CONTRACT section 1).
const ACCESS = `
  WITH RECURSIVE chain (id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM accounts WHERE id = $2
    UNION ALL
    SELECT a.id, a.parent_id, c.depth + 1 FROM accounts a JOIN chain c ON a.id = c.parent_id WHERE c.depth < 64
  )
  SELECT array_agg(c.id ORDER BY c.depth) AS account_path, max(m.role) AS role
  FROM chain c LEFT JOIN memberships m ON m.account_id = c.id AND m.user_id = $1`

/**
 * The two queries behind a cache miss. Deleted accounts, applications and
 * authorizations take their tokens with them (ON DELETE CASCADE), so "no row"
 * means unknown. On PostgreSQL they run as named prepared statements on the
 * pool, not through Kysely: planning the access query cost more than running it
 * (EXPLAIN ANALYZE: ~0.5 ms planning, ~0.2 ms execution), and prepared it
 * serves about three times as many lookups per second (bench/RESULTS.md). Behind
 * PgBouncer in transaction mode that needs PgBouncer 1.21+ with
 * max_prepared_statements set; older ones take DATABASE_PREPARED_STATEMENTS=false
 * (unnamed statements, planned every time).
 */
export class TokenQueries {
  constructor(private readonly database: DatabaseHandle) {}

  private async rows<T>(name: string, text: string, values: unknown[]): Promise<T[]> {
    const pool = this.database.pool
    if (pool) {
      const query = this.database.namedStatements ? { name, text, values } : { text, values }
      return (await pool.query<T & pg.QueryResultRow>(query)).rows
    }
    return (await this.database.db.executeQuery<T>(CompiledQuery.raw(text, values))).rows
  }

  /** One indexed lookup by hash. */
  async tokenRow(tokenHash: string): Promise<TokenRow | undefined> {
    const [row] = await this.rows<{ token: TokenJson }>('latchkey_token_by_hash', TOKEN_BY_HASH, [tokenHash])
    if (!row) return undefined
    const [id, kind, name, userId, email, accountId, appId, authorizationId, permission, ...rest] = row.token
    const [createdAt, expiresAt, lastUsedAt, revokedAt, userDisabled, appPermission] = rest
    return {
      tokenId: id,
      kind,
      name,
      userId,
      username: email,
      accountId,
      appId,
      appPermission,
      authorizationId,
      tokenPermission: permission,
      issuedAt: new Date(createdAt),
      expiresAt: date(expiresAt),
      lastUsedAt: date(lastUsedAt),
      revokedAt: date(revokedAt),
      userDisabled,
    }
  }

  /** The user's effective role on the account, computed up the account tree (none for no user: just the path). */
  async access(userId: number | null, accountId: number): Promise<Access> {
    const [row] = await this.rows<{ account_path: number[] | null; role: Role | null }>(
      'latchkey_token_access',
      ACCESS,
      [userId, accountId],
    )
    return { accountPath: row?.account_path ?? [accountId], userRole: row?.role ?? null }
  }

  /** A token's full record, uncached: two round trips. */
  async record(tokenHash: string): Promise<TokenRecord | undefined> {
    const row = await this.tokenRow(tokenHash)
    return row && tokenRecord(row, await this.access(row.userId, row.accountId))
  }
}
