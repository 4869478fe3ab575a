import type { AccessTable } from '../accounts/access.js'

/** The account's security policy (CONTRACT 9) is read and changed by its admins only. */
export const ACCOUNT_SECURITY_ACCESS = { read: 'admin', change: 'admin' } as const satisfies AccessTable
export const ACCOUNT_SECURITY_ADMIN_ONLY = 'Only Admin users can change the account’s security policy.'
