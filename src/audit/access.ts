import type { AccessTable } from '../accounts/access.js'

/** The audit log is read by the account's admins only. */
export const AUDIT_ACCESS = { read: 'admin' } as const satisfies AccessTable
export const AUDIT_ADMIN_ONLY = 'Only Admin users can see the audit log.'
