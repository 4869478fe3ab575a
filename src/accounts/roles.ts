import { ROLES, type Role } from '../db/schema.js'
import { BadRequestError } from '../errors.js'

/** admin > publish > design > browse; each includes the ones below. */
export function roleRank(role: Role): number {
  return ROLES.indexOf(role)
}

export function roleAtLeast(role: Role | undefined, minimum: Role): boolean {
  return role !== undefined && roleRank(role) >= roleRank(minimum)
}

export function lowerRole(a: Role, b: Role): Role {
  return roleRank(a) <= roleRank(b) ? a : b
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value)
}

/** The one message for a value that is not a role, naming the field it came in (`role`, `permission`, `scope`, `--role`). */
export function notARole(field: string): string {
  return `${field} must be one of ${ROLES.join(', ')}`
}

/** `value` as a role, or a 400 that names `field`. */
export function parseRole(value: unknown, field = 'role'): Role {
  if (isRole(value)) return value
  throw new BadRequestError(notARole(field))
}

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  browse: 'read only',
  design: 'read, and create applications',
  publish: 'read, create, change and delete applications',
  admin: 'everything, including API tokens, authorized apps, users and sub-accounts',
}
