import type { Kysely } from 'kysely'
import type { Database, SignInChallengesTable } from '../db/schema.js'
import { randomSecret, sha256Hex } from '../security/secrets.js'

type Purpose = SignInChallengesTable['purpose']

export interface Challenge {
  idHash: string
  userId: number | null
  accountId: number | null
  nextPath: string
  challenge: string
  failures: number
}

/**
 * Short-lived state between two requests of a sign-in (the table
 * sign_in_challenges): the browser keeps the raw id in a cookie, only its hash
 * is stored. A row serves its own purpose and nothing else.
 */
export async function createChallenge(
  db: Kysely<Database>,
  input: {
    purpose: Purpose
    userId: number | null
    accountId: number | null
    nextPath?: string
    challenge?: string
    ttlSeconds: number
    now: Date
  },
): Promise<string> {
  const raw = randomSecret()
  await db
    .insertInto('sign_in_challenges')
    .values({
      id_hash: sha256Hex(raw),
      purpose: input.purpose,
      user_id: input.userId,
      account_id: input.accountId,
      next_path: input.nextPath ?? '',
      challenge: input.challenge ?? '',
      created_at: input.now,
      expires_at: new Date(input.now.getTime() + input.ttlSeconds * 1000),
    })
    .execute()
  return raw
}

/** The live challenge of this purpose that the raw id names, if any. */
export async function findChallenge(
  db: Kysely<Database>,
  raw: string | undefined,
  purpose: Purpose,
  now: Date,
): Promise<Challenge | undefined> {
  if (!raw || raw.length > 200) return undefined
  const row = await db
    .selectFrom('sign_in_challenges')
    .select(['id_hash', 'user_id', 'account_id', 'next_path', 'challenge', 'failures'])
    .where('id_hash', '=', sha256Hex(raw))
    .where('purpose', '=', purpose)
    .where('expires_at', '>', now)
    .executeTakeFirst()
  return row && toChallenge(row)
}

/** Ends a challenge and says whether this call ended it: of two requests finishing one step, one wins. */
export async function takeChallenge(db: Kysely<Database>, idHash: string): Promise<boolean> {
  const result = await db.deleteFrom('sign_in_challenges').where('id_hash', '=', idHash).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** Counts a wrong answer; at `limit` wrong answers the challenge is deleted (void). Returns whether it still lives. */
export async function countChallengeFailure(
  db: Kysely<Database>,
  idHash: string,
  limit: number,
): Promise<boolean> {
  const row = await db
    .updateTable('sign_in_challenges')
    .set((eb) => ({ failures: eb('failures', '+', 1) }))
    .where('id_hash', '=', idHash)
    .returning('failures')
    .executeTakeFirst()
  if (row && row.failures < limit) return true
  await takeChallenge(db, idHash)
  return false
}

function toChallenge(row: {
  id_hash: string
  user_id: number | null
  account_id: number | null
  next_path: string
  challenge: string
  failures: number
}): Challenge {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    accountId: row.account_id,
    nextPath: row.next_path,
    challenge: row.challenge,
    failures: row.failures,
  }
}

/** Every pending sign-in step of a person (their factors were reset). */
export async function deleteUserChallenges(db: Kysely<Database>, userId: number): Promise<void> {
  await db.deleteFrom('sign_in_challenges').where('user_id', '=', userId).execute()
}
