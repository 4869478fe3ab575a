import type { PGlite } from '@electric-sql/pglite'
import type { FastifyBaseLogger } from 'fastify'
import pg from 'pg'
import type { DatabaseHandle } from '../db/connect.js'
import type { InvalidationFeed } from './feed.js'
import { INVALIDATION_CHANNEL, parseAnnouncement } from './publish.js'

/** How operators (and the tests) find the listening connection in `pg_stat_activity`. */
export const LISTENER_APPLICATION_NAME = 'latchkey-listener'

export interface ListenerOptions {
  /** First reconnection delay after the listening connection is lost; doubles up to `maxRetryMs`. */
  retryMs?: number
  maxRetryMs?: number
  /** How often the listening connection is checked, so a silently dead peer is noticed. */
  heartbeatMs?: number
}

export interface InvalidationListener {
  /** Resolves once listening, or after the first failure (retries go on in the background). */
  start(): Promise<void>
  stop(): Promise<void>
}

/** LISTEN on a dedicated PostgreSQL connection, or PGlite's in-process notifications. */
export function createInvalidationListener(
  database: DatabaseHandle,
  feed: InvalidationFeed,
  log: FastifyBaseLogger,
  options: ListenerOptions = {},
): InvalidationListener {
  if (database.pglite) return new PgliteListener(database.pglite, feed, log)
  if (!database.sessionConfig) throw new Error('a database handle has either a pool or a PGlite instance')
  return new PostgresListener(database.sessionConfig, feed, log, options)
}

/**
 * A dedicated `pg.Client`, not a pool connection: LISTEN belongs to a session,
 * and a pool would hand that session to queries or close it when idle. It
 * connects to DATABASE_LISTEN_URL when set: a PgBouncer in transaction mode
 * gives no session to keep, so the listener goes around it. While
 * the connection is down the feed is distrusted, so every instance serves from
 * the database until it listens again.
 */
class PostgresListener implements InvalidationListener {
  private client: pg.Client | undefined
  private stopped = false
  private failures = 0
  private retryTimer: NodeJS.Timeout | undefined
  private heartbeatTimer: NodeJS.Timeout | undefined
  private readonly retryMs: number
  private readonly maxRetryMs: number
  private readonly heartbeatMs: number

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly feed: InvalidationFeed,
    private readonly log: FastifyBaseLogger,
    options: ListenerOptions,
  ) {
    this.retryMs = options.retryMs ?? 100
    this.maxRetryMs = options.maxRetryMs ?? 5_000
    this.heartbeatMs = options.heartbeatMs ?? 5_000
  }

  start(): Promise<void> {
    return this.connect()
  }

  private async connect(): Promise<void> {
    if (this.stopped) return
    const client = new pg.Client({
      ...this.clientConfig,
      application_name: LISTENER_APPLICATION_NAME,
      keepAlive: true,
      query_timeout: this.heartbeatMs,
    })
    client.on('notification', (message) => {
      if (message.channel === INVALIDATION_CHANNEL) this.feed.announce(parseAnnouncement(message.payload))
    })
    client.on('error', (error) => this.lost(client, error))
    client.on('end', () => this.lost(client, new Error('connection ended')))
    this.client = client
    try {
      await client.connect()
      await client.query(`LISTEN ${INVALIDATION_CHANNEL}`)
    } catch (error) {
      this.lost(client, error)
      return
    }
    if (this.client !== client) return
    if (this.failures > 0) this.log.info('listening for token changes again; the validation cache is back')
    this.failures = 0
    this.feed.trust()
    this.heartbeatTimer = setInterval(() => {
      client.query('SELECT 1').catch((error: unknown) => this.lost(client, error))
    }, this.heartbeatMs)
    this.heartbeatTimer.unref()
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return
    this.client = undefined
    clearInterval(this.heartbeatTimer)
    this.feed.distrust()
    client.end().catch(() => {})
    if (this.stopped) return
    const delay = Math.min(this.maxRetryMs, this.retryMs * 2 ** this.failures)
    this.failures += 1
    this.log.warn(
      { err: error, retryInMs: delay },
      'not listening for token changes; validating from the database until listening again',
    )
    this.retryTimer = setTimeout(() => void this.connect(), delay)
    this.retryTimer.unref()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.retryTimer)
    clearInterval(this.heartbeatTimer)
    const client = this.client
    this.client = undefined
    this.feed.distrust()
    if (client) await client.end().catch(() => {})
  }
}

/** PGlite runs in this process: its notifications are delivered in-process and cannot be lost. */
class PgliteListener implements InvalidationListener {
  private unlisten: (() => Promise<void>) | undefined

  constructor(
    private readonly pglite: PGlite,
    private readonly feed: InvalidationFeed,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    try {
      this.unlisten = await this.pglite.listen(INVALIDATION_CHANNEL, (payload) =>
        this.feed.announce(parseAnnouncement(payload)),
      )
    } catch (error) {
      // A closed or broken embedded database: serve from it uncached (it will answer with errors).
      this.log.warn({ err: error }, 'could not listen for token changes; validating without the cache')
      return
    }
    this.feed.trust()
  }

  async stop(): Promise<void> {
    this.feed.distrust()
    const unlisten = this.unlisten
    this.unlisten = undefined
    if (unlisten && !this.pglite.closed) await unlisten().catch(() => {})
  }
}
