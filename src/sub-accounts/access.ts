import type { AccessTable } from '../accounts/access.js'

/** Sub-accounts are listed, created, renamed and deleted by admins only. */
export const SUB_ACCOUNT_ACCESS = {
  read: 'admin',
  create: 'admin',
  change: 'admin',
  delete: 'admin',
} as const satisfies AccessTable
export const SUB_ACCOUNTS_ADMIN_ONLY = 'Only Admin users can manage sub-accounts.'
