import type { AccessTable } from '../accounts/access.js'

/** Personal tokens are managed by admins only (CONTRACT section 3: the Tokens tab; section 6: /api/v1/tokens). */
export const API_TOKEN_ACCESS = {
  read: 'admin',
  create: 'admin',
  delete: 'admin',
} as const satisfies AccessTable
export const API_TOKENS_ADMIN_ONLY = 'Only Admin users can access API Tokens.'
