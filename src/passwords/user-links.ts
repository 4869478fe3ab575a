import type { Kysely, Transaction } from 'kysely'
import type { Database, UserLinkPurpose } from '../db/schema.js'
import { AppError, NotFoundError } from '../errors.js'
import { newLinkToken } from '../security/link-tokens.js'

/** How long each kind of link works (CONTRACT 8: a reset link 30 minutes; an email confirmation 24 hours). */
export const LINK_LIFETIME_SECONDS: Record<UserLinkPurpose, number> = {
  password_reset: 30 * 60,
  email_change: 24 * 60 * 60,
}

/**
 * A link that existed but can no longer be used (followed already, expired, or
 * voided by a newer one): 410 Gone, so the page says "ask for a new one". A
 * token that matches nothing is a 404 (`unknownLink`): the two never change anything.
 */
export class LinkGoneError extends AppError {
  constructor(message: string) {
    super(410, 'Gone', message)
  }
}

export function unknownLink(): NotFoundError {
  return new NotFoundError('This link is not valid. Check that you copied the whole address from the mail.')
}

/**
 * Issues a new link of a purpose for a user and voids (marks used) the user's
 * older unused links of that purpose in the same transaction, so only the
 * newest mail works. Returns the raw token: it goes into the mail, never the database.
 */
export async function issueUserLink(
  trx: Transaction<Database>,
  link: { userId: number; purpose: UserLinkPurpose; newEmail?: string; now: Date },
): Promise<string> {
  await voidUserLinks(trx, link.userId, link.purpose, link.now)
  const { token, hash } = newLinkToken()
  await trx
    .insertInto('user_links')
    .values({
      token_hash: hash,
      user_id: link.userId,
      purpose: link.purpose,
      new_email: link.newEmail ?? null,
      created_at: link.now,
      expires_at: new Date(link.now.getTime() + LINK_LIFETIME_SECONDS[link.purpose] * 1000),
    })
    .execute()
  return token
}

/** Voids every unused link of a purpose for a user (a newer link, or a password set another way). */
export async function voidUserLinks(
  db: Kysely<Database>,
  userId: number,
  purpose: UserLinkPurpose,
  now: Date,
): Promise<void> {
  await db
    .updateTable('user_links')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .execute()
}

export interface UsableLink {
  userId: number
  /** The user's address now (for the audit label and the notice). */
  email: string
  newEmail: string | null
}

/**
 * The link behind a token hash if it can still be used, else the error to show.
 * `consume` marks it used in the same statement (the caller's transaction), so
 * two requests racing with one link cannot both get it.
 */
export async function usableLink(
  db: Kysely<Database>,
  hash: string | undefined,
  purpose: UserLinkPurpose,
  now: Date,
  consume: boolean,
): Promise<UsableLink> {
  if (hash === undefined) throw unknownLink()
  const row = consume
    ? await db
        .updateTable('user_links as l')
        .set({ used_at: now })
        .from('users as u')
        .whereRef('u.id', '=', 'l.user_id')
        .where('l.token_hash', '=', hash)
        .where('l.purpose', '=', purpose)
        .where('l.used_at', 'is', null)
        .where('l.expires_at', '>', now)
        .where('u.disabled_at', 'is', null)
        .returning(['l.user_id', 'l.new_email', 'u.email'])
        .executeTakeFirst()
    : await db
        .selectFrom('user_links as l')
        .innerJoin('users as u', 'u.id', 'l.user_id')
        .select(['l.user_id', 'l.new_email', 'u.email'])
        .where('l.token_hash', '=', hash)
        .where('l.purpose', '=', purpose)
        .where('l.used_at', 'is', null)
        .where('l.expires_at', '>', now)
        .where('u.disabled_at', 'is', null)
        .executeTakeFirst()
  if (row) return { userId: row.user_id, email: row.email, newEmail: row.new_email }
  const known = await db
    .selectFrom('user_links')
    .select('token_hash')
    .where('token_hash', '=', hash)
    .where('purpose', '=', purpose)
    .executeTakeFirst()
  if (!known) throw unknownLink()
  throw new LinkGoneError(
    'This link can no longer be used: it was followed already, it has expired, or a newer one was sent. Ask for a new one.',
  )
}
