import type { Kysely } from 'kysely'
import type { Database, Role } from '../db/schema.js'
import { NotFoundError, PermissionError } from '../errors.js'
import { effectiveRole } from './repo.js'
import { roleAtLeast } from './roles.js'

/**
 * Which role each action of a feature needs on the account. Each feature keeps
 * its table next to its service (APPLICATION_ACCESS, MEMBER_ACCESS, …): the
 * routes' preHandlers and template flags read it, and the service checks it
 * again inside the transaction that makes the change.
 */
export type AccessTable = Readonly<Partial<Record<'read' | 'create' | 'change' | 'delete', Role>>>

/**
 * The actor must hold `role` on the account (directly or through an ancestor),
 * checked inside the transaction that makes the change. An account the actor
 * cannot act on at all answers 404, like any other account's resource, so ids
 * do not leak. Returns the actor's effective role.
 */
export async function requireRoleOn(
  db: Kysely<Database>,
  actorUserId: number,
  accountId: number,
  role: Role,
  message: string,
): Promise<Role> {
  const actual = await effectiveRole(db, actorUserId, accountId)
  if (!actual) throw new NotFoundError('No such account.')
  if (!roleAtLeast(actual, role)) throw new PermissionError(message)
  return actual
}

/**
 * requireRoleOn for a change recorded with an audit context: the context's user
 * is the actor. A context with no user (the CLI, an OAuth client acting for
 * itself) holds no role on any account and is not subject to the table.
 */
export async function requireAccess(
  db: Kysely<Database>,
  actor: { actorUserId: number | null },
  accountId: number,
  role: Role,
  message: string,
): Promise<void> {
  if (actor.actorUserId !== null) await requireRoleOn(db, actor.actorUserId, accountId, role, message)
}
