import type { AccessTable } from '../accounts/access.js'

/** CONTRACT section 6: browse reads applications, design creates them, publish changes and deletes them. */
export const APPLICATION_ACCESS = {
  read: 'browse',
  create: 'design',
  change: 'publish',
  delete: 'publish',
} as const satisfies AccessTable

/** What a page (or a service re-check) says when the role is too low. */
export const APPLICATION_DENIED = {
  create: `Creating an application needs the ${APPLICATION_ACCESS.create} role or higher.`,
  change: `Changing an application needs the ${APPLICATION_ACCESS.change} role or higher.`,
  delete: `Deleting an application needs the ${APPLICATION_ACCESS.delete} role or higher.`,
} as const
