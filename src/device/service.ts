import type { Kysely } from 'kysely'
import type { AuditContext } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import { grantAuthorization } from '../authorizations/service.js'
import type { Application, Database } from '../db/schema.js'
import type { Scope } from '../oauth/scope.js'
import { formatScope } from '../oauth/scope.js'
import { randomSecret, sha256Hex } from '../security/secrets.js'
import { revoked } from '../tokens/revoke.js'
import { insertDeviceAuthorization, lockById, recordAnswer } from './repo.js'
import { newUserCode } from './user-code.js'

/** RFC 8628 3.2: how long the codes live and the polling interval a device starts with. */
export const DEVICE_CODE_LIFETIME_SECONDS = 600
export const POLL_INTERVAL_SECONDS = 5
// A code drawn twice among live ones is astronomically rare (20^8 codes); a few draws settle it.
const USER_CODE_DRAWS = 5

export interface StartedDeviceAuthorization {
  deviceCode: string
  userCode: string
  expiresIn: number
  interval: number
}

/**
 * POST /oauth/device_authorization (RFC 8628 3.1, 3.2): a 256-bit device code
 * for the client and a short user code for the person, both stored as SHA-256
 * hashes; the user code is hashed in its `XXXX-XXXX` form (user-code.ts).
 */
export async function startDeviceAuthorization(
  db: Kysely<Database>,
  input: { application: Application; scope: Scope; now: Date },
): Promise<StartedDeviceAuthorization> {
  const deviceCode = randomSecret(32)
  for (let draw = 0; draw < USER_CODE_DRAWS; draw += 1) {
    const userCode = newUserCode()
    const inserted = await insertDeviceAuthorization(db, {
      deviceCodeHash: sha256Hex(deviceCode),
      userCodeHash: sha256Hex(userCode),
      applicationId: input.application.id,
      permission: input.scope.permission,
      scope: formatScope(input.scope),
      intervalSeconds: POLL_INTERVAL_SECONDS,
      expiresAt: new Date(input.now.getTime() + DEVICE_CODE_LIFETIME_SECONDS * 1000),
    })
    if (inserted) {
      return {
        deviceCode,
        userCode,
        expiresIn: DEVICE_CODE_LIFETIME_SECONDS,
        interval: POLL_INTERVAL_SECONDS,
      }
    }
  }
  throw new Error('no free user code after several draws')
}

export interface DeviceDecision {
  deviceId: number
  application: Application
  userId: number
  /** The signed-in session that answers: its `authenticated_at` and amr become the token's auth_time and amr. */
  session: { authenticatedAt: Date; amr: string }
  decision: { allow: true; accountId: number } | { allow: false }
}

/**
 * The person's answer on /device. Allow grants the authorization now (the
 * eligibility rule of both other flows, `grantAuthorization`, read in this
 * transaction), as the code flow does when it issues a code; the token itself
 * is issued when the device polls (oauth/grants/device-code.ts). The row keeps
 * what the token answer needs later: scope, user, account, auth_time, amr.
 * Returns false when the code can no longer be answered (answered already,
 * expired, or not this application's).
 */
export async function answerDeviceAuthorization(
  db: Kysely<Database>,
  input: DeviceDecision,
  now: Date,
  audit: AuditContext,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await lockById(trx, input.deviceId)
    if (
      !row ||
      row.application_id !== input.application.id ||
      row.status !== 'pending' ||
      row.expires_at.getTime() <= now.getTime()
    ) {
      return false
    }
    const answer = { userId: input.userId, scope: row.scope, decidedAt: now }
    const session = { authTime: input.session.authenticatedAt, amr: input.session.amr }
    if (!input.decision.allow) {
      await recordAnswer(trx, row.id, {
        ...answer,
        ...session,
        status: 'denied',
        accountId: null,
        authorizationId: null,
      })
      // No account was chosen: the refusal goes to the person's own history.
      await recordChange(trx, audit, {
        event: {
          accountId: null,
          action: 'device_authorization.denied',
          targetType: 'application',
          targetId: input.application.id,
          details: { name: input.application.name, permission: row.permission },
        },
        invalidate: [],
      })
      return true
    }
    const { accountId } = input.decision
    const authorization = await grantAuthorization(trx, {
      application: input.application,
      accountId,
      userId: input.userId,
      permission: row.permission,
      now,
    })
    await recordAnswer(trx, row.id, {
      ...answer,
      ...session,
      status: 'approved',
      accountId,
      authorizationId: authorization.id,
    })
    await recordChange(trx, audit, {
      event: {
        accountId,
        action: 'device_authorization.approved',
        targetType: 'application',
        targetId: input.application.id,
        details: { name: input.application.name, permission: row.permission, scope: row.scope },
      },
      invalidate: revoked(authorization.narrowed),
    })
    return true
  })
}
