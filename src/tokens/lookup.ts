import { type Kysely, sql } from 'kysely'
import { lowerRole } from '../accounts/roles.js'
import type { Database, Role, TokenKind } from '../db/schema.js'

/** Everything needed to answer for a token, without the token itself. */
export interface TokenRecord {
  tokenId: number
  kind: TokenKind
  name: string
  userId: number
  username: string
  accountId: number
  /** The token's account and its ancestors, nearest first (for cache invalidation). */
  accountPath: number[]
  appId: number | null
  authorizationId: number | null
  /** The token's own permission, as issued. */
  tokenPermission: Role
  /** The user's current effective role on the account; null when none is left. */
  userRole: Role | null
  /** A disabled user's tokens are inactive (kept as a record so that re-enabling can be cached too). */
  userDisabled: boolean
  issuedAt: Date
  expiresAt: Date | null
  lastUsedAt: Date | null
  revokedAt: Date | null
}

interface Row {
  id: number
  kind: TokenKind
  name: string
  user_id: number
  email: string
  account_id: number
  application_id: number | null
  authorization_id: number | null
  permission: Role
  created_at: Date
  expires_at: Date | null
  last_used_at: Date | null
  revoked_at: Date | null
  account_path: number[] | null
  role: Role | null
  user_disabled: boolean
}

/**
 * One indexed lookup by hash. Deleted accounts, applications and authorizations
 * take their tokens with them (ON DELETE CASCADE), so "no row" means unknown; a
 * disabled user is reported, not filtered, so that "no row" stays true forever
 * and can be cached. The user's role is computed up the account tree in
 * the same round trip. Revocation and expiry are left to the caller, which checks
 * them on every use, cached or not.
 */
export async function findTokenRecord(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<TokenRecord | undefined> {
  const { rows } = await sql<Row>`
    SELECT t.id, t.kind, t.name, t.user_id, u.email, t.account_id, t.application_id, t.authorization_id,
           t.permission, t.created_at, t.expires_at, t.last_used_at, t.revoked_at, r.account_path, r.role,
           u.disabled_at IS NOT NULL AS user_disabled
    FROM tokens t
    JOIN users u ON u.id = t.user_id
    LEFT JOIN LATERAL (
      WITH RECURSIVE chain (id, parent_id, depth) AS (
        SELECT a.id, a.parent_id, 0 FROM accounts a WHERE a.id = t.account_id
        UNION ALL
        SELECT a.id, a.parent_id, c.depth + 1 FROM accounts a JOIN chain c ON a.id = c.parent_id WHERE c.depth < 64
      )
      SELECT array_agg(c.id ORDER BY c.depth) AS account_path, max(m.role) AS role
      FROM chain c LEFT JOIN memberships m ON m.account_id = c.id AND m.user_id = t.user_id
    ) r ON true
    WHERE t.token_hash = ${tokenHash}`.execute(db)
  const row = rows[0]
  if (!row) return undefined
  return {
    tokenId: row.id,
    kind: row.kind,
    name: row.name,
    userId: row.user_id,
    username: row.email,
    accountId: row.account_id,
    accountPath: row.account_path ?? [row.account_id],
    appId: row.application_id,
    authorizationId: row.authorization_id,
    tokenPermission: row.permission,
    userRole: row.role,
    userDisabled: row.user_disabled,
    issuedAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }
}

/** The lower of the token's permission and the user's current role, or undefined when the user has none. */
export function effectivePermission(record: TokenRecord): Role | undefined {
  return record.userRole ? lowerRole(record.tokenPermission, record.userRole) : undefined
}
