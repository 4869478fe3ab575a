import { Type } from 'typebox'
import { Id, RoleSchema } from '../http/schemas.js'
import type { AuthorizedApp } from './repo.js'

export const AuthorizedAppResponse = Type.Object({
  app_id: Type.Integer(),
  app_name: Type.String(),
  permission: RoleSchema,
  authorized_by: Type.Object({ id: Type.Integer(), email: Type.String(), name: Type.String() }),
  authorized_at: Type.String({ format: 'date-time' }),
  live_tokens: Type.Integer(),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})

export const AuthorizedAppListResponse = Type.Object({ authorized_apps: Type.Array(AuthorizedAppResponse) })

export const AppIdParams = Type.Object({ app_id: Id })

/** The Apps page row as the API shows it. */
export function authorizedAppView(row: AuthorizedApp) {
  return {
    app_id: row.applicationId,
    app_name: row.applicationName,
    permission: row.permission,
    authorized_by: row.authorizedBy,
    authorized_at: row.authorizedAt.toISOString(),
    live_tokens: row.liveTokens,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
  }
}
