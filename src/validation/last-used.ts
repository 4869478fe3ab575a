import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'

const RESOLUTION_MS = 60_000

/**
 * Records `last_used_at` at most once a minute per token, off the request path:
 * uses are noted in memory and written in one UPDATE per flush.
 */
export class LastUsedRecorder {
  private readonly pending = new Map<number, Date>()
  private readonly written = new Map<number, number>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
    private readonly flushEveryMs = 5_000,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush().catch(this.onError), this.flushEveryMs)
    this.timer.unref()
  }

  /** Notes a use; `previous` is the last_used_at the caller already knows. */
  note(tokenId: number, previous: Date | null): void {
    const now = this.now()
    const last = Math.max(previous?.getTime() ?? 0, this.written.get(tokenId) ?? 0)
    if (now.getTime() - last < RESOLUTION_MS || this.pending.has(tokenId)) return
    this.pending.set(tokenId, now)
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return
    const batch = [...this.pending]
    this.pending.clear()
    const ids = batch.map(([id]) => id)
    const times = batch.map(([, at]) => at.toISOString())
    await sql`
      UPDATE tokens SET last_used_at = u.at
      FROM (SELECT unnest(${ids}::int[]) AS id, unnest(${times}::timestamptz[]) AS at) u
      WHERE tokens.id = u.id`.execute(this.db)
    for (const [id, at] of batch) this.written.set(id, at.getTime())
    if (this.written.size > 100_000) this.written.clear()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.flush()
  }
}
