import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { deleteTokenEventsBefore } from '../token-events/repo.js'

export const HOUSEKEEPING_KINDS = [
  'sessions',
  'authorization_codes',
  'tokens',
  'login_throttle',
  'signups',
  'user_links',
  'sign_in_challenges',
  'device_authorizations',
  'token_events',
  'refresh_tokens',
] as const
export type HousekeepingKind = (typeof HOUSEKEEPING_KINDS)[number]

export interface SweepPolicy {
  now: Date
  /** Sessions idle longer than this are dead (SESSION_IDLE_MINUTES). */
  sessionIdleSeconds: number
  /** Revoked or expired tokens are kept this long after they ended (TOKEN_RETENTION_DAYS). */
  tokenRetentionDays: number
  /** The login throttling window; a row older than it that is not locked counts nothing any more. */
  loginWindowSeconds: number
  batchSize: number
}

/**
 * Authorization codes live 60 s; a used or expired code is kept an hour more so
 * that a replay in that time is still recognised as a second use (which revokes
 * the tokens issued from it, RFC 6749 4.1.2) rather than as an unknown code.
 * This is the only retention of codes: housekeeping alone deletes them (issuing a
 * code used to delete day-old ones inline as well; two policies for one table
 * meant whichever ran first won). An hour is far beyond any client's retry of a
 * code that lives a minute, and keeps the table a few minutes of traffic deep.
 */
export const CODE_RETENTION_MS = 60 * 60 * 1000

/**
 * A pending sign-up whose 24-hour link has expired is kept a week more, so that
 * following its link late still says "expired, sign up again" rather than "not
 * valid"; after that the row (with the password hash of someone who never
 * activated) goes.
 */
export const SIGNUP_RETENTION_MS = 7 * 24 * 3600 * 1000

/**
 * Password-reset and email-change links (user_links) are kept a week past their
 * expiry for the same reason: a late click says "can no longer be used" (410)
 * rather than "not valid" (404). Used links go by the same rule.
 */
export const USER_LINK_RETENTION_MS = 7 * 24 * 3600 * 1000

/**
 * Device authorizations live ten minutes; an expired one is kept an hour more,
 * like an authorization code, so a device still polling late hears
 * `expired_token` (and a reused device code `invalid_grant` for its use, not for
 * being unknown) rather than an unknown code.
 */
export const DEVICE_RETENTION_MS = 60 * 60 * 1000

/**
 * The revocation event stream's log (token_events) keeps a day: a client that
 * was away for less (a deploy, a restart, a network partition, a laptop asleep
 * overnight) catches up from the log and keeps its cache; one away longer is
 * told to reset, which costs it only a cache refill. A day of changes is a small
 * table even for a busy server (one short row per change).
 */
export const TOKEN_EVENT_RETENTION_MS = 24 * 3600 * 1000

const ago = (now: Date, ms: number) => new Date(now.getTime() - ms)

/**
 * Deletes one batch of each kind and returns how many rows went. The rows are
 * picked with `FOR UPDATE SKIP LOCKED`, so instances sweeping at the same time
 * take different rows instead of waiting on each other, and a batch never
 * holds locks on more than `batchSize` rows.
 */
export async function sweepBatch(
  db: Kysely<Database>,
  policy: SweepPolicy,
  kinds: ReadonlySet<HousekeepingKind> = new Set(HOUSEKEEPING_KINDS),
): Promise<Record<HousekeepingKind, number>> {
  const { now, batchSize } = policy
  const none = { numDeletedRows: 0n }
  const count = (result: { numDeletedRows: bigint } | undefined) => Number(result?.numDeletedRows ?? 0n)

  const sessions = !kinds.has('sessions')
    ? none
    : await db
        .deleteFrom('sessions')
        .where('id_hash', 'in', (eb) =>
          eb
            .selectFrom('sessions')
            .select('id_hash')
            .where((w) =>
              w.or([
                w('expires_at', '<=', now),
                w('last_seen_at', '<=', ago(now, policy.sessionIdleSeconds * 1000)),
              ]),
            )
            .limit(batchSize)
            .forUpdate()
            .skipLocked(),
        )
        .executeTakeFirst()

  const codes = !kinds.has('authorization_codes')
    ? none
    : await db
        .deleteFrom('authorization_codes')
        .where('code_hash', 'in', (eb) =>
          eb
            .selectFrom('authorization_codes')
            .select('code_hash')
            .where('expires_at', '<=', ago(now, CODE_RETENTION_MS))
            .limit(batchSize)
            .forUpdate()
            .skipLocked(),
        )
        .executeTakeFirst()

  const tokenCutoff = ago(now, policy.tokenRetentionDays * 24 * 3600 * 1000)
  const tokens = !kinds.has('tokens')
    ? none
    : await db
        .deleteFrom('tokens')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('tokens')
            .select('id')
            .where((w) => w.or([w('revoked_at', '<=', tokenCutoff), w('expires_at', '<=', tokenCutoff)]))
            .limit(batchSize)
            .forUpdate()
            .skipLocked(),
        )
        .executeTakeFirst()

  const throttle = !kinds.has('login_throttle')
    ? none
    : await db
        .deleteFrom('login_throttle')
        .where('key', 'in', (eb) =>
          eb
            .selectFrom('login_throttle')
            .select('key')
            .where('window_starts_at', '<=', ago(now, policy.loginWindowSeconds * 1000))
            .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<=', now)]))
            .limit(batchSize)
            .forUpdate()
            .skipLocked(),
        )
        .executeTakeFirst()

  const signups = !kinds.has('signups')
    ? none
    : await db
        .deleteFrom('signups')
        .where('token_hash', 'in', (eb) =>
          eb
            .selectFrom('signups')
            .select('token_hash')
            .where('expires_at', '<=', ago(now, SIGNUP_RETENTION_MS))
            .limit(batchSize)
            .forUpdate()
            .skipLocked(),
        )
        .executeTakeFirst()

  const userLinks = !kinds.has('user_links')
    ? none
    : await db
        .deleteFrom('user_links')
        .where('token_hash', 'in', (eb) =>
          eb
            .selectFrom('user_links')
            .select('token_hash')
            .where('expires_at', '<=', ago(now, USER_LINK_RETENTION_MS))
            .limit(batchSize)
            .forUpdate()
            .skipLocked(),
        )
        .executeTakeFirst()

  // A sign-in step (the half-signed-in state, a WebAuthn challenge) lives
  // minutes and means nothing once expired: it goes as soon as it has.
  const challenges = !kinds.has('sign_in_challenges')
    ? none
    : await db
        .deleteFrom('sign_in_challenges')
        .where('id_hash', 'in', (eb) =>
          eb
            .selectFrom('sign_in_challenges')
            .select('id_hash')
            .where('expires_at', '<=', now)
            .limit(batchSize)
            .forUpdate()
            .skipLocked(),
        )
        .executeTakeFirst()

  const devices = !kinds.has('device_authorizations')
    ? none
    : await db
        .deleteFrom('device_authorizations')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('device_authorizations')
            .select('id')
            .where('expires_at', '<=', ago(now, DEVICE_RETENTION_MS))
            .limit(batchSize)
            .forUpdate()
            .skipLocked(),
        )
        .executeTakeFirst()
  // A refresh token is dead 30 days after it was issued (unused: each use makes a
  // new one). Spent and revoked ones stay until then, so that presenting one is
  // still recognised as reuse (oauth/grants/refresh-token.ts) rather than unknown.
  const refreshTokens = !kinds.has('refresh_tokens')
    ? none
    : await db
        .deleteFrom('refresh_tokens')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('refresh_tokens')
            .select('id')
            .where('expires_at', '<=', now)
            .limit(batchSize)
            .forUpdate()
            .skipLocked(),
        )
        .executeTakeFirst()
  const tokenEvents = !kinds.has('token_events')
    ? 0n
    : await deleteTokenEventsBefore(db, ago(now, TOKEN_EVENT_RETENTION_MS), batchSize)

  return {
    sessions: count(sessions),
    authorization_codes: count(codes),
    tokens: count(tokens),
    login_throttle: count(throttle),
    signups: count(signups),
    user_links: count(userLinks),
    sign_in_challenges: count(challenges),
    device_authorizations: count(devices),
    token_events: Number(tokenEvents),
    refresh_tokens: count(refreshTokens),
  }
}
