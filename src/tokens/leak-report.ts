import type { Kysely } from 'kysely'
import type { AuditContext } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Database } from '../db/schema.js'
import type { MailContent } from '../mail/compose.js'
import { isLiveRefreshToken } from '../oauth/refresh-tokens.js'
import { endRefreshChain } from '../oauth/revoke-service.js'
import { hashToken, isRefreshToken, parseToken, tokenHint } from './format.js'
import {
  findRefreshTokensByHash,
  findTokensByHash,
  type ReportedRefreshToken,
  type ReportedToken,
} from './leak-repo.js'
import { revoked, revokeTokens } from './revoke.js'

/**
 * The labels of GitHub's secret scanning partner programme: `true_positive` is
 * a token Latchkey issued (whether it still worked or not), `false_positive`
 * anything else — garbage, a look-alike with a bad checksum, or a well-formed
 * token Latchkey never issued (or has deleted since).
 */
export type LeakLabel = 'true_positive' | 'false_positive'

/** The most tokens one report may carry: a bounded amount of work per request (GitHub batches its matches). */
export const MAX_LEAK_REPORT_ITEMS = 100

export interface LeakReportItem {
  token: string
  url: string
  source: string
}

export interface LeakVerdict {
  /** Hex SHA-256 of the token as sent, so the reporter can match answers without echoing secrets. */
  token_hash: string
  label: LeakLabel
}

export interface LeakNotice {
  to: string
  content: MailContent
}

export interface LeakReportOutcome {
  verdicts: LeakVerdict[]
  /** One mail per revoked token, for the caller to send once the revocation has committed. */
  notices: LeakNotice[]
}

const isActive = (token: ReportedToken, now: Date) =>
  token.revoked_at === null && (token.expires_at === null || token.expires_at > now)

/**
 * `POST /leaked-tokens` (CONTRACT 11). Strings that fail the format or the
 * checksum never reach the database; the rest are looked up in one query (and one
 * more for refresh tokens, when the report has any). Each
 * active token found is revoked (the one revoking UPDATE) and recorded as
 * `token.leaked` in its account's log with the URL and source, and its invalidation
 * reaches every instance; a token already revoked or expired is left as it is
 * (nothing changes, nobody is mailed). A token reported twice is revoked once.
 *
 * A refresh token (`lkr_`) is looked up beside them (its own query, its own
 * table); a live one ends its chain and its authorization's access tokens, as
 * if its client had revoked it (`endRefreshChain`), recorded as `token.leaked`
 * with `kind: "refresh"`; its owner is the person who authorized the application.
 */
export async function reportLeakedTokens(
  db: Kysely<Database>,
  items: readonly LeakReportItem[],
  context: AuditContext,
  options: { now: Date; publicUrl: string },
): Promise<LeakReportOutcome> {
  const hashes = items.map((item) => hashToken(item.token))
  const hashesOf = (kind: (token: string) => unknown) =>
    new Set(items.flatMap((item, i) => (kind(item.token) ? [hashes[i] ?? ''] : [])))
  const [accessRows, refreshRows] = await Promise.all([
    findTokensByHash(db, [...hashesOf(parseToken)]),
    findRefreshTokensByHash(db, [...hashesOf(isRefreshToken)]),
  ])
  const found = new Map(accessRows.map((row) => [row.token_hash, row]))
  const foundRefresh = new Map(refreshRows.map((row) => [row.token_hash, row]))
  const verdicts = hashes.map(
    (hash): LeakVerdict => ({
      token_hash: hash,
      label: found.has(hash) || foundRefresh.has(hash) ? 'true_positive' : 'false_positive',
    }),
  )
  const toRevoke = new Map<number, { token: ReportedToken; item: LeakReportItem }>()
  items.forEach((item, i) => {
    const token = found.get(hashes[i] ?? '')
    if (token && isActive(token, options.now) && !toRevoke.has(token.id))
      toRevoke.set(token.id, { token, item })
  })
  const refreshToRevoke = new Map<number, { token: ReportedRefreshToken; item: LeakReportItem }>()
  items.forEach((item, i) => {
    const token = foundRefresh.get(hashes[i] ?? '')
    if (token && isLiveRefreshToken(token, options.now) && !refreshToRevoke.has(token.id))
      refreshToRevoke.set(token.id, { token, item })
  })
  if (toRevoke.size === 0 && refreshToRevoke.size === 0) return { verdicts, notices: [] }
  const notices = await db.transaction().execute(async (trx) => {
    const mails: LeakNotice[] = []
    for (const { token, item } of refreshToRevoke.values()) {
      const hint = tokenHint(item.token)
      const { tokens, refreshTokens } = await endRefreshChain(trx, token, options.now)
      // Nothing left live: a concurrent report, revocation or rotation got there first.
      if (refreshTokens === 0 && tokens.length === 0) continue
      await recordChange(trx, context, {
        event: {
          accountId: token.account_id,
          action: 'token.leaked',
          targetType: 'application',
          targetId: token.application_id,
          details: {
            kind: 'refresh',
            hint,
            application_id: token.application_id,
            authorization_id: token.authorization_id,
            revoked_token_ids: tokens.map((t) => t.id),
            revoked_refresh_tokens: refreshTokens,
            url: item.url,
            source: item.source,
          },
        },
        invalidate: revoked(tokens),
      })
      mails.push(
        leakNotice(
          { ...token, kind: 'application', name: token.application_name, hint },
          item,
          options.publicUrl,
        ),
      )
    }
    for (const { token, item } of toRevoke.values()) {
      // A concurrent report or revocation may have won the row: then this one changes nothing.
      const rows = await revokeTokens(trx, { id: token.id }, options.now)
      if (rows.length === 0) continue
      await recordChange(trx, context, {
        event: {
          accountId: token.account_id,
          action: 'token.leaked',
          targetType: 'token',
          targetId: token.id,
          details: {
            kind: token.kind,
            name: token.name,
            hint: token.hint,
            ...(token.application_id === null ? {} : { application_id: token.application_id }),
            url: item.url,
            source: item.source,
          },
        },
        invalidate: revoked(rows),
      })
      mails.push(leakNotice(token, item, options.publicUrl))
    }
    return mails
  })
  return { verdicts, notices }
}

/**
 * The mail to the token's owner: the person who created the personal token, or
 * who authorized the application. The application's developers are not mailed:
 * Latchkey keeps no contact for an application, and its account's members are
 * not the token's owner; the application sees the revocation as 401s. The mail
 * names the token by its hint, never the token; the reported URL is shown as
 * text, not as a link, since anyone holding a real token could choose it.
 */
function leakNotice(
  token: Pick<
    ReportedToken,
    'kind' | 'name' | 'hint' | 'owner_email' | 'owner_name' | 'account_name' | 'application_name'
  >,
  item: LeakReportItem,
  publicUrl: string,
): LeakNotice {
  const personal = token.kind === 'personal'
  return {
    to: token.owner_email,
    content: {
      template: 'token-leaked',
      subject: personal
        ? 'Your Latchkey API token was found exposed and has been revoked'
        : `Your authorization of ${token.application_name ?? 'an application'} was found exposed and its token revoked`,
      data: {
        name: token.owner_name,
        personal,
        tokenName: token.name,
        hint: token.hint,
        accountName: token.account_name,
        applicationName: token.application_name ?? '',
        url: item.url,
        source: item.source,
        tokensLink: new URL('developers/tokens', `${publicUrl}/`).href,
      },
    },
  }
}
