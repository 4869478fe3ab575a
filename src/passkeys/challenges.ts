import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database, SignInChallengesTable } from '../db/schema.js'
import { sha256Hex } from '../security/secrets.js'
import { createChallenge } from '../two-factor/challenges.js'

/** The WebAuthn ceremonies that keep a challenge between their two requests. */
export type PasskeyPurpose = Extract<
  SignInChallengesTable['purpose'],
  'passkey_register' | 'passkey_sign_in' | 'passkey_step_up'
>

/** The browser holds the raw id; only its hash is stored (migration 0003). */
export const CHALLENGE_COOKIE = 'lk_passkey'
const CHALLENGE_SECONDS = 5 * 60

export interface StoredChallenge {
  challenge: string
  userId: number | null
  nextPath: string
}

/** Keeps a ceremony's challenge for five minutes (the same rows as the two-step sign-in's) and returns the raw id for the cookie. */
export async function storeChallenge(
  db: Kysely<Database>,
  purpose: PasskeyPurpose,
  values: StoredChallenge,
  now: Date,
): Promise<string> {
  return createChallenge(db, {
    purpose,
    userId: values.userId,
    accountId: null,
    nextPath: values.nextPath,
    challenge: values.challenge,
    ttlSeconds: CHALLENGE_SECONDS,
    now,
  })
}

/**
 * Takes a challenge out: single use (deleted whatever the outcome of the
 * ceremony), of the named purpose, unexpired. Undefined otherwise.
 */
export async function takeChallenge(
  db: Kysely<Database>,
  purpose: PasskeyPurpose,
  rawId: string | undefined,
  now: Date,
): Promise<StoredChallenge | undefined> {
  if (!rawId || rawId.length > 100) return undefined
  const row = await db
    .deleteFrom('sign_in_challenges')
    .where('id_hash', '=', sha256Hex(rawId))
    .where('purpose', '=', purpose)
    .returning(['challenge', 'user_id', 'next_path', 'expires_at'])
    .executeTakeFirst()
  if (!row || row.expires_at <= now) return undefined
  return { challenge: row.challenge, userId: row.user_id, nextPath: row.next_path }
}

/** The challenge cookie: httpOnly, as long as the challenge lives. */
export function setChallengeCookie(reply: FastifyReply, rawId: string): void {
  reply.setCookie(CHALLENGE_COOKIE, rawId, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: reply.server.config.publicUrl.startsWith('https:'),
    maxAge: CHALLENGE_SECONDS,
  })
}

/** Reads the challenge cookie and clears it: a ceremony's second step may run once. */
export function consumeChallengeCookie(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const raw = request.cookies[CHALLENGE_COOKIE]
  if (raw) reply.clearCookie(CHALLENGE_COOKIE, { path: '/' })
  return raw
}
