import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.js'
import { composeMail, type MailContent } from './compose.js'
import { type Delivery, type MailTransport, outboxTransport, smtpTransport } from './transport.js'

/**
 * What the sender learns within its bounded wait: delivered (to the SMTP server
 * or the outbox), failed (the first attempt failed; retries go on in the
 * background), or still trying when the wait ran out.
 */
export type MailOutcome =
  | { state: 'delivered'; delivery: Delivery }
  | { state: 'failed' }
  | { state: 'pending' }

export interface MailerOptions {
  /** How long `send` waits for the first attempt. */
  waitMs: number
  /** Pauses before each retry; the message is dropped (and logged) after the last. */
  retryDelaysMs: readonly number[]
}

/**
 * Sends mail after the change it reports has committed: callers compose and
 * `send` once their transaction is done, never inside it. A request waits at
 * most `waitMs` for the first attempt; a failed attempt is logged and retried
 * on a schedule in the background, so a slow or dead mail server never holds a
 * request or loses the data change. The message itself (its links) is never
 * logged and never stored: a link's token exists only in the mail, so a mail
 * that could not be sent at all is made good by resending (a new link) — the
 * admin who caused it is told, and shown the link where the contract allows.
 */
export class Mailer {
  private readonly inFlight = new Set<Promise<void>>()
  private closed = false

  constructor(
    private readonly transport: MailTransport,
    private readonly log: FastifyBaseLogger,
    private readonly options: MailerOptions,
  ) {}

  static fromConfig(config: Config, log: FastifyBaseLogger): Mailer {
    const transport = config.smtpUrl
      ? smtpTransport(config.smtpUrl, config.mailFrom)
      : outboxTransport(config.dataDir, config.mailFrom, config.now)
    return new Mailer(transport, log, { waitMs: config.mailWaitMs, retryDelaysMs: config.mailRetryDelaysMs })
  }

  /** Composes and sends one message; resolves within the bounded wait with what happened so far. */
  send(to: string, content: MailContent): Promise<MailOutcome> {
    const message = composeMail(to, content)
    let settleFirst: (outcome: MailOutcome) => void = () => {}
    const first = new Promise<MailOutcome>((resolve) => {
      settleFirst = resolve
    })
    const attempts = this.attempt(message, content.template, 0, settleFirst)
    this.inFlight.add(attempts)
    void attempts.finally(() => this.inFlight.delete(attempts))
    if (this.options.waitMs === 0) return Promise.resolve({ state: 'pending' })
    let timer: NodeJS.Timeout | undefined
    const waited = new Promise<MailOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ state: 'pending' }), this.options.waitMs)
      timer.unref()
    })
    return Promise.race([first, waited]).finally(() => clearTimeout(timer))
  }

  private async attempt(
    message: ReturnType<typeof composeMail>,
    template: string,
    attempt: number,
    settleFirst: (outcome: MailOutcome) => void,
  ): Promise<void> {
    try {
      const delivery = await this.transport.deliver(message)
      settleFirst({ state: 'delivered', delivery })
      if (delivery.via === 'outbox') {
        this.log.info(
          { mail: template, file: delivery.file },
          'mail written to the outbox (SMTP_URL is not set)',
        )
      } else {
        this.log.info({ mail: template, messageId: delivery.messageId, attempt: attempt + 1 }, 'mail sent')
      }
    } catch (error) {
      settleFirst({ state: 'failed' })
      const delay = this.options.retryDelaysMs[attempt]
      const willRetry = delay !== undefined && !this.closed
      this.log.warn(
        { mail: template, attempt: attempt + 1, err: { message: errorMessage(error) }, willRetry },
        willRetry ? 'mail could not be sent; will retry' : 'mail could not be sent; giving up',
      )
      if (!willRetry) return
      await this.pause(delay)
      if (this.closed) return
      await this.attempt(message, template, attempt + 1, settleFirst)
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms).unref())
  }

  /** Messages still being attempted (tests and shutdown wait for them). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
  }

  /** Stops retrying; an attempt already on the wire finishes. */
  async close(): Promise<void> {
    this.closed = true
    this.transport.close()
  }
}

/** The error's message only: an SMTP error's other fields can echo the message. */
function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 300) : String(error).slice(0, 300)
}
