import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'

/** Where a password comes from and where its prompts go (standard error: standard output carries the answer). */
export interface PasswordStreams {
  input: NodeJS.ReadableStream & { isTTY?: boolean }
  output: NodeJS.WritableStream
}

export class PasswordPromptError extends Error {}

export const PROMPT = 'Password: '
export const REPEAT_PROMPT = 'Repeat the password: '
const TRIES = 3

/**
 * Reads a password for a CLI command. On a terminal it asks without echo and
 * asks again to confirm (a typo in a password nobody can see is otherwise only
 * found at the next sign-in); after TRIES mismatches it gives up. An empty first
 * answer is returned as is, unconfirmed: "no password" (`users create` keeps an
 * existing user's). Anything else (a pipe, a file, /dev/null) is read to its end
 * and one trailing newline dropped, so scripts can pipe the password in.
 */
export async function readPassword(
  streams: PasswordStreams = { input: process.stdin, output: process.stderr },
): Promise<string> {
  if (!streams.input.isTTY) return readToEnd(streams.input)
  const lines = hiddenLines(streams.input)
  try {
    for (let attempt = 1; attempt <= TRIES; attempt++) {
      const first = await lines.ask(streams.output, PROMPT)
      if (first === '') return ''
      if ((await lines.ask(streams.output, REPEAT_PROMPT)) === first) return first
      if (attempt < TRIES) streams.output.write('The passwords do not match; try again.\n')
    }
  } finally {
    lines.close()
  }
  throw new PasswordPromptError(`the passwords did not match ${TRIES} times`)
}

async function readToEnd(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of input) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

/**
 * Lines typed on a terminal, not shown: readline in terminal mode switches the
 * terminal to raw mode (which stops its echo) and does the line editing itself,
 * echoing into an output that discards everything.
 */
function hiddenLines(input: NodeJS.ReadableStream) {
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() })
  const rl = createInterface({ input, output: discard, terminal: true, historySize: 0 })
  let interrupted = false
  rl.on('SIGINT', () => {
    interrupted = true
    rl.close()
  })
  const iterator = rl[Symbol.asyncIterator]()
  return {
    async ask(output: NodeJS.WritableStream, prompt: string): Promise<string> {
      output.write(prompt)
      const next = await iterator.next()
      output.write('\n') // the Enter the person typed was not echoed either
      if (interrupted) throw new PasswordPromptError('interrupted')
      if (next.done) throw new PasswordPromptError('no password given')
      return next.value
    },
    close: () => rl.close(),
  }
}
