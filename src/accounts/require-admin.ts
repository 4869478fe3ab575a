import type { Kysely } from 'kysely'
import type { Database, Role } from '../db/schema.js'
import { NotFoundError, PermissionError } from '../errors.js'
import { effectiveRole } from './repo.js'
import { roleAtLeast } from './roles.js'

/**
 * The actor must be admin of the account (directly or through an ancestor),
 * checked inside the transaction that makes the change. An account the actor
 * cannot act on at all answers 404, like any other account's resource, so ids
 * do not leak.
 */
export async function requireAccountAdmin(
  db: Kysely<Database>,
  actorUserId: number,
  accountId: number,
  message: string,
): Promise<Role> {
  const role = await effectiveRole(db, actorUserId, accountId)
  if (!role) throw new NotFoundError('No such account.')
  if (!roleAtLeast(role, 'admin')) throw new PermissionError(message)
  return role
}
