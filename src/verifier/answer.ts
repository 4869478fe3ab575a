/** The four permissions, lowest first (CONTRACT 1); kept here so the library loads nothing of the server. */
export const PERMISSIONS = ['browse', 'design', 'publish', 'admin'] as const
export type Permission = (typeof PERMISSIONS)[number]

export function permissionAtLeast(held: Permission, minimum: Permission): boolean {
  return PERMISSIONS.indexOf(held) >= PERMISSIONS.indexOf(minimum)
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value)
}

/** The active answer of introspection (CONTRACT 5b), with the extension fields of the event stream's matching rules. */
export interface ActiveAnswer {
  active: true
  token_type: 'Bearer'
  scope: Permission
  permission: Permission
  token_kind: 'application' | 'personal'
  client_id?: string
  app_id: number | null
  account_id: number
  sub: string
  username: string
  iat: number
  exp?: number
  iss: string
  /** Extension (RFC 7662 2.2): the token's id, matched by `token` events. */
  token_id?: number
  /** Extension: the authorization behind an application token, matched by `authorization` events. */
  authorization_id?: number | null
}

export type Answer = ActiveAnswer | { active: false }

export const INACTIVE: Readonly<{ active: false }> = Object.freeze({ active: false })
