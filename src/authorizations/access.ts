import type { AccessTable } from '../accounts/access.js'

/** The applications authorized on an account are seen and revoked by its admins only. */
export const AUTHORIZATION_ACCESS = { read: 'admin', delete: 'admin' } as const satisfies AccessTable
export const AUTHORIZATIONS_ADMIN_ONLY =
  'Only Admin users can manage the applications authorized on an account.'
