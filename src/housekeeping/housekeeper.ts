import type { Kysely } from 'kysely'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import type { Metrics } from '../metrics/metrics.js'
import { HOUSEKEEPING_KINDS, type HousekeepingKind, sweepBatch } from './sweep.js'

const BATCH_SIZE = 500
/** At most this many batches per kind and run, so a large backlog is spread over several runs. */
const MAX_BATCHES = 20

export type SweepTotals = Record<HousekeepingKind, number>

/**
 * Deletes expired sessions, old authorization codes, long-ended tokens, stale
 * login-throttling rows, long-expired pending sign-ups and day-old token events
 * (the revocation event stream's log) on a schedule, in
 * small batches. Every instance runs it; the batches skip rows another instance
 * has locked, so that is safe.
 */
export class Housekeeper {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<SweepTotals> | undefined

  constructor(
    private readonly db: Kysely<Database>,
    private readonly config: Config,
    private readonly metrics: Metrics,
    private readonly log: { info(o: object, m: string): void; warn(o: object, m: string): void },
  ) {}

  start(): void {
    if (this.config.housekeepingIntervalMs <= 0 || this.timer) return
    this.timer = setInterval(() => {
      this.run().catch((error: unknown) => this.log.warn({ err: error }, 'housekeeping failed'))
    }, this.config.housekeepingIntervalMs)
    this.timer.unref()
  }

  /** One run: batches of each kind until a batch comes back short (or the per-run cap). */
  run(): Promise<SweepTotals> {
    this.running ??= this.sweep().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private async sweep(): Promise<SweepTotals> {
    const totals = Object.fromEntries(HOUSEKEEPING_KINDS.map((k) => [k, 0])) as SweepTotals
    let pending = new Set<HousekeepingKind>(HOUSEKEEPING_KINDS)
    for (let batch = 0; batch < MAX_BATCHES && pending.size > 0; batch++) {
      const deleted = await sweepBatch(
        this.db,
        {
          now: this.config.now(),
          sessionIdleSeconds: this.config.sessionIdleSeconds,
          tokenRetentionDays: this.config.tokenRetentionDays,
          loginWindowSeconds: this.config.loginWindowSeconds,
          batchSize: BATCH_SIZE,
        },
        pending,
      )
      for (const kind of HOUSEKEEPING_KINDS) {
        totals[kind] += deleted[kind]
        if (deleted[kind] > 0) this.metrics.housekeepingDeleted.inc({ kind }, deleted[kind])
      }
      pending = new Set([...pending].filter((kind) => deleted[kind] >= BATCH_SIZE))
    }
    if (HOUSEKEEPING_KINDS.some((k) => totals[k] > 0)) this.log.info({ deleted: totals }, 'housekeeping')
    return totals
  }

  /** Stops the schedule and waits for a run in progress (before the pool closes). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.running?.catch(() => undefined)
  }
}
