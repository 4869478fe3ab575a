/** The first restart of a worker that died waits this long… */
const FIRST_DELAY_MS = 500
/** …doubling with each death in a row, up to this. */
const MAX_DELAY_MS = 30_000

/**
 * How long the primary waits before restarting a worker that died for the
 * `failures`-th time in a row (1, 2, …): a worker that crashes at once on
 * every start (a database that refuses it) is retried ever more slowly
 * instead of in a tight loop.
 */
export function restartDelayMs(failures: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, failures - 1))
}
