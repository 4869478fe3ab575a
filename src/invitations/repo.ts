import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database, Invitation, Role } from '../db/schema.js'

/** A pending invitation as the Users page lists it. */
export interface PendingInvitationRow {
  id: number
  email: string
  role: Role
  created_at: Date
  expires_at: Date
  invited_by_name: string | null
  invited_by_email: string | null
}

/** An invitation waiting for its person, as the overview page offers it. */
export interface OfferedInvitationRow {
  id: number
  account_id: number
  account_name: string
  role: Role
  expires_at: Date
  invited_by_name: string | null
}

export function findInvitationByTokenHash(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<Invitation | undefined> {
  return db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()
}

/** The invitation row, locked until the transaction ends: accepting, resending and cancelling are serialised. */
export function lockInvitation(trx: Transaction<Database>, id: number): Promise<Invitation | undefined> {
  return trx.selectFrom('invitations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
}

/** The one pending (not accepted, not cancelled) invitation for an address on an account, locked. */
export function lockPendingFor(
  trx: Transaction<Database>,
  accountId: number,
  email: string,
): Promise<Invitation | undefined> {
  return trx
    .selectFrom('invitations')
    .selectAll()
    .where('account_id', '=', accountId)
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .where('accepted_at', 'is', null)
    .where('cancelled_at', 'is', null)
    .forUpdate()
    .executeTakeFirst()
}

export function insertInvitation(
  trx: Transaction<Database>,
  values: {
    accountId: number
    email: string
    role: Role
    tokenHash: string
    invitedBy: number
    now: Date
    expiresAt: Date
  },
): Promise<Invitation> {
  return trx
    .insertInto('invitations')
    .values({
      account_id: values.accountId,
      email: values.email,
      role: values.role,
      token_hash: values.tokenHash,
      invited_by: values.invitedBy,
      created_at: values.now,
      expires_at: values.expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** A new link (and role, inviter, expiry) for a pending invitation: the old link's hash is gone, so it is void. */
export function renewInvitation(
  trx: Transaction<Database>,
  id: number,
  values: { role: Role; tokenHash: string; invitedBy: number; expiresAt: Date },
): Promise<Invitation> {
  return trx
    .updateTable('invitations')
    .set({
      role: values.role,
      token_hash: values.tokenHash,
      invited_by: values.invitedBy,
      expires_at: values.expiresAt,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function markCancelled(trx: Transaction<Database>, id: number, now: Date): Promise<void> {
  await trx.updateTable('invitations').set({ cancelled_at: now }).where('id', '=', id).execute()
}

export async function markAccepted(
  trx: Transaction<Database>,
  id: number,
  userId: number,
  now: Date,
): Promise<void> {
  await trx
    .updateTable('invitations')
    .set({ accepted_at: now, accepted_by: userId })
    .where('id', '=', id)
    .execute()
}

/** The account's pending invitations (expired ones too, so they can be resent), newest first. */
export function listPendingInvitations(
  db: Kysely<Database>,
  accountId: number,
): Promise<PendingInvitationRow[]> {
  return db
    .selectFrom('invitations as i')
    .leftJoin('users as u', 'u.id', 'i.invited_by')
    .select([
      'i.id',
      'i.email',
      'i.role',
      'i.created_at',
      'i.expires_at',
      'u.name as invited_by_name',
      'u.email as invited_by_email',
    ])
    .where('i.account_id', '=', accountId)
    .where('i.accepted_at', 'is', null)
    .where('i.cancelled_at', 'is', null)
    .orderBy('i.id', 'desc')
    .execute()
}

/** Live invitations addressed to an email, on every account, oldest first. */
export function listOfferedInvitations(
  db: Kysely<Database>,
  email: string,
  now: Date,
): Promise<OfferedInvitationRow[]> {
  return db
    .selectFrom('invitations as i')
    .innerJoin('accounts as a', 'a.id', 'i.account_id')
    .leftJoin('users as u', 'u.id', 'i.invited_by')
    .select([
      'i.id',
      'i.account_id',
      'a.name as account_name',
      'i.role',
      'i.expires_at',
      'u.name as invited_by_name',
    ])
    .where((eb) => eb(eb.fn('lower', ['i.email']), '=', email.toLowerCase()))
    .where('i.accepted_at', 'is', null)
    .where('i.cancelled_at', 'is', null)
    .where('i.expires_at', '>', now)
    .orderBy('i.id')
    .execute()
}

/** True when the address already holds a role directly on the account. */
export async function isDirectMemberByEmail(
  db: Kysely<Database>,
  accountId: number,
  email: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(sql<number>`1`.as('one'))
    .where('m.account_id', '=', accountId)
    .where((eb) => eb(eb.fn('lower', ['u.email']), '=', email.toLowerCase()))
    .executeTakeFirst()
  return row !== undefined
}
