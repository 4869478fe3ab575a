import type { Kysely, Transaction } from 'kysely'
import { requireRoleOn } from '../accounts/access.js'
import { validateAccountName } from '../accounts/name.js'
import { createAccount } from '../accounts/repo.js'
import { MAX_ACCOUNT_DEPTH } from '../accounts/tree-sql.js'
import type { AuditContext } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Database, Role } from '../db/schema.js'
import { BadRequestError, NotFoundError } from '../errors.js'
import { SUB_ACCOUNT_ACCESS, SUB_ACCOUNTS_ADMIN_ONLY } from './access.js'
import {
  accountDepth,
  type DeletionImpact,
  deleteAccount,
  deletionImpact,
  findSubAccount,
  renameAccount,
  type SubAccountRow,
} from './repo.js'

// Sub-account events are recorded on the parent of the sub-account: the account
// whose list of sub-accounts changed, which is where its admins look.

/** SUB_ACCOUNT_ACCESS, checked on the account the admin works in, inside the change's transaction. */
function requireAccessOn(
  trx: Transaction<Database>,
  input: { actorUserId: number; rootId: number },
  action: 'create' | 'change' | 'delete',
): Promise<Role> {
  return requireRoleOn(
    trx,
    input.actorUserId,
    input.rootId,
    SUB_ACCOUNT_ACCESS[action],
    SUB_ACCOUNTS_ADMIN_ONLY,
  )
}

/**
 * A descendant of the account the admin is working in. The account itself and
 * anything outside its tree (another customer's account) are not found: a
 * top-level account can never be deleted or renamed from here.
 */
async function requireSubAccount(db: Kysely<Database>, rootId: number, id: number): Promise<SubAccountRow> {
  const found = await findSubAccount(db, rootId, id)
  if (!found) throw new NotFoundError('No such sub-account.')
  return found
}

/**
 * Creates a sub-account under the current account or one of its descendants.
 * The creator gets no membership on it: their admin role is inherited.
 */
export async function createSubAccount(
  db: Kysely<Database>,
  input: { rootId: number; actorUserId: number; parentId: number; name: string },
  audit: AuditContext,
): Promise<{ id: number }> {
  const name = validateAccountName(input.name)
  return db.transaction().execute(async (trx) => {
    await requireAccessOn(trx, input, 'create')
    if (input.parentId !== input.rootId) await requireSubAccount(trx, input.rootId, input.parentId)
    if ((await accountDepth(trx, input.parentId)) + 1 >= MAX_ACCOUNT_DEPTH) {
      throw new BadRequestError(`Accounts can be nested at most ${MAX_ACCOUNT_DEPTH} levels deep.`)
    }
    const account = await createAccount(trx, { name, parentId: input.parentId })
    await recordChange(trx, audit, {
      event: {
        accountId: input.parentId,
        action: 'sub_account.created',
        targetType: 'account',
        targetId: account.id,
        details: { name },
      },
      invalidate: [],
    })
    return { id: account.id }
  })
}

export async function renameSubAccount(
  db: Kysely<Database>,
  input: { rootId: number; actorUserId: number; id: number; name: string },
  audit: AuditContext,
): Promise<void> {
  const name = validateAccountName(input.name)
  await db.transaction().execute(async (trx) => {
    await requireAccessOn(trx, input, 'change')
    const account = await requireSubAccount(trx, input.rootId, input.id)
    if (account.name === name) return
    await renameAccount(trx, account.id, name)
    await recordChange(trx, audit, {
      event: {
        accountId: account.parent_id,
        action: 'sub_account.renamed',
        targetType: 'account',
        targetId: account.id,
        details: { from: account.name, to: name },
      },
      invalidate: [],
    })
  })
}

/** What the delete confirmation shows. */
export async function subAccountForDeletion(
  db: Kysely<Database>,
  input: { rootId: number; id: number; now: Date },
): Promise<{ account: SubAccountRow; impact: DeletionImpact }> {
  const account = await requireSubAccount(db, input.rootId, input.id)
  return { account, impact: await deletionImpact(db, account.id, input.now) }
}

/**
 * Deletes a sub-account and all its descendants. Memberships, applications,
 * authorizations and tokens go with them (ON DELETE CASCADE); every instance is
 * told in the same transaction, including about the applications owned there,
 * whose tokens on other accounts die too.
 */
export async function deleteSubAccount(
  db: Kysely<Database>,
  input: { rootId: number; actorUserId: number; id: number; now: Date },
  audit: AuditContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await requireAccessOn(trx, input, 'delete')
    const account = await requireSubAccount(trx, input.rootId, input.id)
    const impact = await deletionImpact(trx, account.id, input.now)
    await deleteAccount(trx, account.id)
    await recordChange(trx, audit, {
      event: {
        accountId: account.parent_id,
        action: 'sub_account.deleted',
        targetType: 'account',
        targetId: account.id,
        details: {
          name: account.name,
          account_ids: impact.accountIds,
          application_ids: impact.applicationIds,
          live_tokens: impact.liveTokens,
        },
      },
      invalidate: [
        { type: 'account', id: account.id },
        ...impact.applicationIds.map((id) => ({ type: 'application' as const, id })),
      ],
    })
  })
}
