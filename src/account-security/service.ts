import type { Kysely } from 'kysely'
import { requireAccess } from '../accounts/access.js'
import type { AuditContext } from '../audit/record.js'
import { recordChange } from '../audit/record-change.js'
import type { Database } from '../db/schema.js'
import { BadRequestError } from '../errors.js'
import { hasSecondFactor } from '../two-factor/has-factor.js'
import { ACCOUNT_SECURITY_ACCESS, ACCOUNT_SECURITY_ADMIN_ONLY } from './access.js'
import { setRequireTwoFactor } from './repo.js'

export const ENROL_FIRST =
  'Set up a second factor for yourself first (Profile › Security): the policy would send you there at once.'

/**
 * Turns the account's second-factor policy on or off (CONTRACT 9), audited in the
 * account's log. An admin without a factor cannot turn it on: like GitHub's
 * organisation setting, the policy would lock its author out of the account's pages
 * at once. Nothing a token cache holds changes, so nothing is invalidated.
 */
export async function changeTwoFactorPolicy(
  db: Kysely<Database>,
  input: { accountId: number; required: boolean },
  context: AuditContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await requireAccess(
      trx,
      context,
      input.accountId,
      ACCOUNT_SECURITY_ACCESS.change,
      ACCOUNT_SECURITY_ADMIN_ONLY,
    )
    if (
      input.required &&
      context.actorUserId !== null &&
      !(await hasSecondFactor(trx, context.actorUserId))
    ) {
      throw new BadRequestError(ENROL_FIRST)
    }
    if (!(await setRequireTwoFactor(trx, input.accountId, input.required))) return
    await recordChange(trx, context, {
      event: {
        accountId: input.accountId,
        action: 'account.two_factor_policy_changed',
        targetType: 'account',
        targetId: input.accountId,
        details: { require_two_factor: input.required },
      },
      invalidate: [],
    })
  })
}
