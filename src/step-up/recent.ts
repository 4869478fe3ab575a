import type { Viewer } from '../http/session.js'

/** CONTRACT 9: the listed actions need a sign-in (or a step-up) within the last 10 minutes. */
export const STEP_UP_MAX_AGE_SECONDS = 10 * 60

export function provedRecently(viewer: Pick<Viewer, 'authenticatedAt'>, now: Date): boolean {
  return now.getTime() - viewer.authenticatedAt.getTime() < STEP_UP_MAX_AGE_SECONDS * 1000
}
