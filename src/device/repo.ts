import type { Kysely, Transaction } from 'kysely'
import type { Database, DeviceStatus, Role } from '../db/schema.js'

export interface NewDeviceRow {
  deviceCodeHash: string
  userCodeHash: string
  applicationId: number
  permission: Role
  scope: string
  intervalSeconds: number
  expiresAt: Date
}

/** Inserts a device authorization; undefined when its user code hash is taken (the caller draws another). */
export async function insertDeviceAuthorization(
  db: Kysely<Database>,
  row: NewDeviceRow,
): Promise<{ id: number } | undefined> {
  return db
    .insertInto('device_authorizations')
    .values({
      device_code_hash: row.deviceCodeHash,
      user_code_hash: row.userCodeHash,
      application_id: row.applicationId,
      permission: row.permission,
      scope: row.scope,
      interval_seconds: row.intervalSeconds,
      expires_at: row.expiresAt,
    })
    .onConflict((oc) => oc.column('user_code_hash').doNothing())
    .returning('id')
    .executeTakeFirst()
}

export function findByUserCodeHash(db: Kysely<Database>, userCodeHash: string) {
  return db
    .selectFrom('device_authorizations')
    .selectAll()
    .where('user_code_hash', '=', userCodeHash)
    .executeTakeFirst()
}

/** The row, locked until the transaction ends: one answer per code, and one token per approval. */
export function lockById(trx: Transaction<Database>, id: number) {
  return trx
    .selectFrom('device_authorizations')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst()
}

export function lockByDeviceCodeHash(trx: Transaction<Database>, deviceCodeHash: string) {
  return trx
    .selectFrom('device_authorizations')
    .selectAll()
    .where('device_code_hash', '=', deviceCodeHash)
    .forUpdate()
    .executeTakeFirst()
}

export interface DeviceAnswer {
  status: 'approved' | 'denied'
  userId: number
  accountId: number | null
  authorizationId: number | null
  scope: string
  authTime: Date
  amr: string
  decidedAt: Date
}

export async function recordAnswer(
  trx: Transaction<Database>,
  id: number,
  answer: DeviceAnswer,
): Promise<void> {
  await trx
    .updateTable('device_authorizations')
    .set({
      status: answer.status,
      user_id: answer.userId,
      account_id: answer.accountId,
      authorization_id: answer.authorizationId,
      scope: answer.scope,
      auth_time: answer.authTime,
      amr: answer.amr,
      decided_at: answer.decidedAt,
    })
    .where('id', '=', id)
    .execute()
}

/** Records a poll: when it came, the interval from now on, and the status it leaves. */
export async function recordPoll(
  trx: Transaction<Database>,
  id: number,
  poll: { at: Date; intervalSeconds: number; status: DeviceStatus },
): Promise<void> {
  await trx
    .updateTable('device_authorizations')
    .set({ last_polled_at: poll.at, interval_seconds: poll.intervalSeconds, status: poll.status })
    .where('id', '=', id)
    .execute()
}
