import type { Kysely } from 'kysely'
import { fromPerson } from '../audit/context.js'
import { type AuditOrigin, recordAudit } from '../audit/record.js'
import { recordSignIn } from '../auth/record-sign-in.js'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { type Challenge, countChallengeFailure, takeChallenge } from './challenges.js'
import { checkCodeCounted } from './counted-code.js'
import { factorsOf } from './has-factor.js'

/** The half-signed-in state lives 5 minutes and takes 5 wrong codes (CONTRACT 9). */
export const SECOND_STEP_SECONDS = 5 * 60
export const MAX_WRONG_CODES = 5

/** A password sign-in asks for a second step when the person has a confirmed authenticator app. */
export async function needsSecondStep(db: Kysely<Database>, userId: number): Promise<boolean> {
  return (await factorsOf(db, userId)).totp
}

export type SecondStepOutcome =
  | { ok: true; userId: number; accountId: number | null; nextPath: string }
  /** `ended`: the challenge is void (too many wrong codes, or finished meanwhile): sign in again. */
  | { ok: false; ended: boolean }

/**
 * Answers the second step of a sign-in with a TOTP or recovery code. Wrong
 * codes count like wrong passwords (counted-code.ts: per person and per IP,
 * then a lockout, a 429); they are audited `two_factor.failed` in the person's own history, and the fifth
 * voids the challenge. A right code ends the challenge: one sign-in per challenge,
 * recorded `login.succeeded` here (the password step did not: auth/login.ts).
 */
export async function answerSecondStep(
  db: Kysely<Database>,
  config: Config,
  challenge: Challenge & { userId: number },
  code: string,
  origin: AuditOrigin,
): Promise<SecondStepOutcome> {
  const user = await db
    .selectFrom('users')
    .select(['email', 'disabled_at'])
    .where('id', '=', challenge.userId)
    .executeTakeFirst()
  if (!user || user.disabled_at !== null) {
    await takeChallenge(db, challenge.idHash)
    return { ok: false, ended: true }
  }
  const context = fromPerson(origin, challenge.userId, user.email)
  if (await checkCodeCounted(db, config, { id: challenge.userId, email: user.email }, code, context)) {
    if (!(await takeChallenge(db, challenge.idHash))) return { ok: false, ended: true }
    await recordSignIn(db, { ...context, amr: 'pwd otp' }, challenge.userId)
    return {
      ok: true,
      userId: challenge.userId,
      accountId: challenge.accountId,
      nextPath: challenge.nextPath,
    }
  }
  await recordAudit(db, context, {
    accountId: null,
    action: 'two_factor.failed',
    targetType: 'user',
    targetId: challenge.userId,
  })
  const live = await countChallengeFailure(db, challenge.idHash, MAX_WRONG_CODES)
  return { ok: false, ended: !live }
}
