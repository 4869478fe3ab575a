import { once } from 'node:events'
import { readdir, readFile } from 'node:fs/promises'
import { createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import type { Teardown } from './database.js'

/** A real SMTP server on a free port (the `smtp-server` package) that keeps what it receives. */
export interface Mailbox {
  /** `smtp://127.0.0.1:<port>`, for `SMTP_URL` / `config.smtpUrl`. */
  url: string
  messages: ParsedMail[]
  /** The next message not taken yet, waiting up to `timeoutMs` for it. */
  next(timeoutMs?: number): Promise<ParsedMail>
  /** How many messages were refused (`reject: '5xx'`). */
  refused: number
}

export interface MailboxOptions {
  /** Answer every message with a permanent 554 (a mail server that refuses). */
  reject?: '5xx'
}

export async function startMailbox(t: Teardown, options: MailboxOptions = {}): Promise<Mailbox> {
  const waiting: ((mail: ParsedMail) => void)[] = []
  const unread: ParsedMail[] = []
  const mailbox: Mailbox = {
    url: '',
    messages: [],
    refused: 0,
    next(timeoutMs = 5_000) {
      const ready = unread.shift()
      if (ready) return Promise.resolve(ready)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no mail arrived within ${timeoutMs} ms`)), timeoutMs)
        waiting.push((mail) => {
          clearTimeout(timer)
          resolve(mail)
        })
      })
    },
  }
  const server = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS offer (nodemailer would upgrade and
    // refuse the test server's self-signed certificate), no AUTH.
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, _session, callback) {
      if (options.reject === '5xx') {
        stream.resume()
        stream.on('end', () => {
          mailbox.refused += 1
          callback(Object.assign(new Error('Message refused by policy'), { responseCode: 554 }))
        })
        return
      }
      simpleParser(stream)
        .then((mail) => {
          mailbox.messages.push(mail)
          const waiter = waiting.shift()
          if (waiter) waiter(mail)
          else unread.push(mail)
          callback()
        })
        .catch(callback)
    },
  })
  server.listen(0, '127.0.0.1')
  await once(server.server, 'listening')
  const address = server.server.address()
  if (!address || typeof address === 'string') throw new Error('the SMTP server has no port')
  mailbox.url = `smtp://127.0.0.1:${address.port}`
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return mailbox
}

/** An `smtp://` URL on which nothing listens: connections are refused. */
export async function refusingSmtpUrl(): Promise<string> {
  const probe = createServer()
  probe.listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const address = probe.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return `smtp://127.0.0.1:${address.port}`
}

/** An `smtp://` URL of a server that accepts connections and never greets; closed in teardown. */
export async function silentSmtpUrl(t: Teardown): Promise<string> {
  const sockets: Socket[] = []
  const silent = createServer((socket) => sockets.push(socket))
  silent.listen(0, '127.0.0.1')
  await once(silent, 'listening')
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    silent.close()
  })
  const address = silent.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  return `smtp://127.0.0.1:${address.port}`
}

/** The links of a message's text part: every line that is one absolute URL (CONTRACT 8). */
export function linksIn(mail: ParsedMail): string[] {
  return (mail.text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => /^https?:\/\/\S+$/.test(line))
}

/** The one link of a message whose path is `path`, as a path with its query (for `inject`). */
export function linkPath(mail: ParsedMail, path: string): string {
  const matches = linksIn(mail)
    .map((link) => new URL(link))
    .filter((url) => url.pathname === path)
  if (matches.length !== 1) {
    throw new Error(
      `expected one ${path} link in the mail, found ${matches.length}: ${linksIn(mail).join(', ')}`,
    )
  }
  const [url] = matches
  return `${url?.pathname}${url?.search}`
}

/** Every `.eml` file written under `DATA_DIR/outbox/`, parsed, oldest first. */
export async function outboxMessages(dataDir: string): Promise<ParsedMail[]> {
  const root = join(dataDir, 'outbox')
  const files: string[] = []
  for (const day of (await readdir(root).catch(() => [])).sort()) {
    for (const file of (await readdir(join(root, day))).sort()) files.push(join(root, day, file))
  }
  return Promise.all(files.map(async (file) => simpleParser(await readFile(file))))
}
