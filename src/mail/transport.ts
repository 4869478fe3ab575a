import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js'

/** A composed message: both parts are rendered already (compose.ts). */
export interface MailMessage {
  to: string
  subject: string
  text: string
  html: string
}

/** Where a delivered message went: an SMTP server, or a file in the outbox. */
export type Delivery = { via: 'smtp'; messageId: string } | { via: 'outbox'; file: string }

export interface MailTransport {
  deliver(message: MailMessage): Promise<Delivery>
  close(): void
}

/**
 * SMTP through nodemailer: `smtp://` upgrades with STARTTLS whenever the server
 * offers it, `smtps://` speaks TLS from the start. Timeouts are short so a dead
 * server fails an attempt quickly and the retry schedule takes over; nodemailer's
 * own logger stays off (it would print addresses and, at debug, the message body).
 */
export function smtpTransport(url: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport(
    {
      url,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
      logger: false,
      debug: false,
    } satisfies SMTPTransport.Options,
    { from },
  )
  return {
    async deliver(message) {
      const info = await transporter.sendMail(message)
      return { via: 'smtp', messageId: String(info.messageId) }
    },
    close: () => transporter.close(),
  }
}

/**
 * Without SMTP_URL nothing is sent: each message is written as an `.eml` file
 * (the raw RFC 5322 message nodemailer would have sent) under
 * `DATA_DIR/outbox/<yyyy-mm-dd>/`, where a mail client or `cat` can open it.
 */
export function outboxTransport(dataDir: string, from: string, now: () => Date): MailTransport {
  const builder = nodemailer.createTransport(
    { streamTransport: true, buffer: true, newline: 'unix' },
    { from },
  )
  return {
    async deliver(message) {
      const info = await builder.sendMail(message)
      const at = now()
      const folder = join(dataDir, 'outbox', at.toISOString().slice(0, 10))
      await mkdir(folder, { recursive: true, mode: 0o700 })
      const file = join(
        folder,
        `${at.toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`,
      )
      await writeFile(file, info.message as Buffer, { mode: 0o600 })
      return { via: 'outbox', file }
    },
    close: () => builder.close(),
  }
}
