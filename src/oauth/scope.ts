import { isRole, roleAtLeast } from '../accounts/roles.js'
import type { Role } from '../db/schema.js'

/** The OpenID Connect scopes Latchkey knows besides the permission (CONTRACT 10). */
export const IDENTITY_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const
export type IdentityScope = (typeof IDENTITY_SCOPES)[number]

/** A requested scope, read: the permission the token gets and the identity scopes asked for. */
export interface Scope {
  permission: Role
  identity: ReadonlySet<IdentityScope>
}

export type ScopeOutcome = { ok: true; scope: Scope } | { ok: false; description: string }

export const isIdentityScope = (value: string): value is IdentityScope =>
  (IDENTITY_SCOPES as readonly string[]).includes(value)

/**
 * Reads a space-separated `scope` (RFC 6749 3.3): at most one permission (the
 * application's when none is named, never more than it), plus any of
 * IDENTITY_SCOPES. Unknown words, two permissions or a permission above the
 * application's are `invalid_scope`; repeated words count once.
 */
export function parseScope(value: string | undefined, applicationPermission: Role): ScopeOutcome {
  const words = (value ?? '').split(' ').filter((word) => word !== '')
  const permissions = new Set<Role>()
  const identity = new Set<IdentityScope>()
  for (const word of words) {
    if (isRole(word)) permissions.add(word)
    else if (isIdentityScope(word)) identity.add(word)
    else return { ok: false, description: `Unknown scope "${word.slice(0, 40)}".` }
  }
  if (permissions.size > 1) return { ok: false, description: 'scope names more than one permission' }
  const [permission = applicationPermission] = permissions
  if (!roleAtLeast(applicationPermission, permission)) {
    return { ok: false, description: `The application may ask for at most ${applicationPermission}.` }
  }
  return { ok: true, scope: { permission, identity } }
}

/** The scope as the token answer and introspection state it: the permission first, then the identity scopes in a fixed order. */
export function formatScope(scope: Scope): string {
  return [scope.permission, ...IDENTITY_SCOPES.filter((word) => scope.identity.has(word))].join(' ')
}
