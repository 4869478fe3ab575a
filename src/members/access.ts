import type { AccessTable } from '../accounts/access.js'
import { roleAtLeast } from '../accounts/roles.js'
import type { Role } from '../db/schema.js'
import { PermissionError } from '../errors.js'

/** Who may do what with an account's members (CONTRACT section 3: the Users page is admin only). */
export const MEMBER_ACCESS = {
  read: 'admin',
  create: 'admin',
  change: 'admin',
  delete: 'admin',
} as const satisfies AccessTable
export const USERS_ADMIN_ONLY = 'Only Admin users can manage users.'

/** An admin grants, changes or removes at most their own role. */
export function requireGrantable(actorRole: Role, role: Role): void {
  if (!roleAtLeast(actorRole, role))
    throw new PermissionError(`You cannot grant a role above your own (${actorRole}).`)
}
