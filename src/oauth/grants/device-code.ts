import type { Kysely } from 'kysely'
import { fromPerson } from '../../audit/context.js'
import type { AuditOrigin } from '../../audit/record.js'
import type { Database } from '../../db/schema.js'
import { lockByDeviceCodeHash, recordPoll } from '../../device/repo.js'
import {
  AccessDenied,
  AuthorizationPending,
  ExpiredToken,
  InvalidGrant,
  InvalidRequest,
  OAuthError,
  PollingTooFast,
} from '../../errors.js'
import type { SigningKeys } from '../../oidc/signing-keys.js'
import { sha256Hex } from '../../security/secrets.js'
import { findUser } from '../../users/repo.js'
import type { AuthenticatedClient } from '../client-auth.js'
import { issueAuthorizationTokens, personTokenAnswer } from '../grant-tokens.js'
import type { Grant, TokenResponse } from '../grants.js'
import { isIdentityScope } from '../scope.js'

export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code'

/** RFC 8628 3.5: each slow_down adds this to the device code's interval, for good. */
const SLOW_DOWN_STEP_SECONDS = 5
/**
 * A poll counts as too fast only when it comes this much sooner than the
 * interval: a client that waits the interval (openid-client's timer, a network
 * hop) can arrive a few milliseconds early and must not be slowed for it.
 */
const POLL_LEEWAY_MS = 1000

/**
 * The device_code grant (RFC 8628 3.4, 3.5). The row is locked for the whole
 * poll, so one approval gives one token even when polls race, and the interval
 * a `slow_down` raises is the one the next poll is measured against. The code
 * belongs to the client that asked for it: another client learns nothing
 * (`invalid_grant`, as for an unknown code). Answers that change the row
 * (pending, slow_down) are returned out of the transaction, so it commits, and
 * thrown after.
 */
export async function exchangeDeviceCode(
  db: Kysely<Database>,
  input: {
    client: AuthenticatedClient
    deviceCode: string
    now: Date
    /** Signs the id token when the device was granted `openid` (CONTRACT 10). */
    oidc: { issuer: string; keys: SigningKeys }
  },
  origin: AuditOrigin,
): Promise<TokenResponse> {
  const { application } = input.client
  const { now } = input
  const outcome = await db.transaction().execute(async (trx) => {
    const row = await lockByDeviceCodeHash(trx, sha256Hex(input.deviceCode))
    if (!row || row.application_id !== application.id) return new InvalidGrant('The device code is unknown.')
    if (row.status === 'used') return new InvalidGrant('The device code was already used.')
    if (row.expires_at.getTime() <= now.getTime()) {
      return new ExpiredToken('The device code has expired; start the device authorization again.')
    }
    if (row.status === 'denied') return new AccessDenied('The user denied the request.')
    if (row.status === 'pending') {
      const sinceLast = row.last_polled_at
        ? now.getTime() - row.last_polled_at.getTime()
        : Number.POSITIVE_INFINITY
      const tooFast = sinceLast < row.interval_seconds * 1000 - POLL_LEEWAY_MS
      const intervalSeconds = row.interval_seconds + (tooFast ? SLOW_DOWN_STEP_SECONDS : 0)
      await recordPoll(trx, row.id, { at: now, intervalSeconds, status: 'pending' })
      if (tooFast)
        return new PollingTooFast(`Polled too fast; wait ${intervalSeconds} seconds between polls.`)
      return new AuthorizationPending('The user has not answered yet.')
    }
    // Approved: the one token of this device code, issued where the code grant issues its own.
    if (row.user_id === null || row.account_id === null)
      return new InvalidGrant('The device code is unknown.')
    await recordPoll(trx, row.id, { at: now, intervalSeconds: row.interval_seconds, status: 'used' })
    const user = await findUser(trx, row.user_id)
    // The words after the permission (formatScope's order) are the identity scopes granted.
    const identity = new Set(row.scope.split(' ').filter(isIdentityScope))
    // The same tokens as the code grant: the access token, and a refresh token when the application's tokens expire.
    const issued = await issueAuthorizationTokens(
      trx,
      {
        application,
        accountId: row.account_id,
        userId: row.user_id,
        permission: row.permission,
        scopes: [...identity].join(' '),
        identity,
        publicClient: input.client.method === 'none',
      },
      fromPerson(origin, row.user_id, user?.email ?? ''),
    )
    return { issued, row, user, identity }
  })
  if (outcome instanceof OAuthError) throw outcome
  const { issued, row, user, identity } = outcome
  return personTokenAnswer(issued, {
    user,
    identity,
    signIn: { nonce: null, authTime: row.auth_time ?? row.decided_at ?? now, amr: row.amr ?? '' },
    clientId: application.id,
    oidc: input.oidc,
    now,
  })
}

/** `grant_type=urn:ietf:params:oauth:grant-type:device_code`: devices are usually public clients (RFC 8628 3.4). */
export const deviceCodeGrant: Grant = {
  allowsPublicClient: () => true,
  async exchange({ app, body, client, origin }) {
    if (!body.device_code) throw new InvalidRequest('device_code is required')
    return exchangeDeviceCode(
      app.db,
      {
        client,
        deviceCode: body.device_code,
        now: app.config.now(),
        oidc: { issuer: app.config.publicUrl, keys: app.signingKeys },
      },
      origin,
    )
  },
}
