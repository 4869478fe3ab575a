import type { Role } from '../db/schema.js'
import type { ApiTokenListing } from './repo.js'

/** An API token as the API lists it: the hint, never the token. */
export interface ApiTokenView {
  id: number
  name: string
  hint: string
  permission: Role
  created_by: { id: number; email: string; name: string }
  created_at: string
  last_used_at: string | null
  expires_at: string | null
}

export function apiTokenView(row: ApiTokenListing): ApiTokenView {
  return {
    id: row.id,
    name: row.name,
    hint: row.hint,
    permission: row.permission,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    expires_at: row.expiresAt?.toISOString() ?? null,
  }
}
