import { PassThrough } from 'node:stream'
import t from 'tap'
import { PasswordPromptError, readPassword } from '../../src/cli/read-password.js'

/** A terminal as readline sees it: a stream marked isTTY whose raw mode (no echo) is recorded. */
function terminal() {
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    rawModes: [] as boolean[],
    setRawMode(mode: boolean) {
      input.rawModes.push(mode)
      return input
    },
  })
  const output = new PassThrough()
  let shown = ''
  output.on('data', (d) => (shown += d))
  /** Types `text` once the terminal shows `prompt` for the `n`th time. */
  const typeAfter = async (prompt: string, n: number, text: string) => {
    while (shown.split(prompt).length - 1 < n) await new Promise((resolve) => setImmediate(resolve))
    input.write(text)
  }
  return { input, output, shown: () => shown, typeAfter }
}

const SECRET = 'correct horse battery'

t.test('on a terminal the password is asked twice and never shown', async (t) => {
  const term = terminal()
  const read = readPassword(term)
  await term.typeAfter('Password: ', 1, `${SECRET}\r`)
  await term.typeAfter('Repeat the password: ', 1, `${SECRET}\r`)
  t.equal(await read, SECRET)
  t.equal(term.shown(), 'Password: \nRepeat the password: \n', 'only the prompts reach the terminal')
  t.same(term.input.rawModes, [true, false], 'raw mode (no echo) while typing, restored after')
})

t.test('a mismatch is said and asked again; the matching pair wins', async (t) => {
  const term = terminal()
  const read = readPassword(term)
  await term.typeAfter('Password: ', 1, `${SECRET}\r`)
  await term.typeAfter('Repeat the password: ', 1, 'correct horse batery\r')
  await term.typeAfter('Password: ', 2, 'second try password\r')
  await term.typeAfter('Repeat the password: ', 2, 'second try password\r')
  t.equal(await read, 'second try password')
  t.match(term.shown(), 'The passwords do not match; try again.\n')
  t.notMatch(term.shown(), 'horse')
})

t.test('three mismatches give up with an error', async (t) => {
  const term = terminal()
  const read = readPassword(term)
  for (let n = 1; n <= 3; n++) {
    await term.typeAfter('Password: ', n, `${SECRET}\r`)
    await term.typeAfter('Repeat the password: ', n, `other ${n}\r`)
  }
  await t.rejects(read, new PasswordPromptError('the passwords did not match 3 times'))
  t.same(term.input.rawModes.at(-1), false, 'the terminal is left with its echo back on')
})

t.test('an empty answer means no password and is not asked twice', async (t) => {
  const term = terminal()
  const read = readPassword(term)
  await term.typeAfter('Password: ', 1, '\r')
  t.equal(await read, '')
  t.notMatch(term.shown(), 'Repeat')
})

t.test('Ctrl-D or Ctrl-C at the prompt is an error, not an empty password', async (t) => {
  for (const [key, message] of [
    ['\x04', 'no password given'],
    ['\x03', 'interrupted'],
  ] as const) {
    const term = terminal()
    const read = readPassword(term)
    await term.typeAfter('Password: ', 1, `${SECRET}\r`)
    await term.typeAfter('Repeat the password: ', 1, key)
    await t.rejects(read, new PasswordPromptError(message), JSON.stringify(key))
  }
})

t.test('not a terminal: all of standard input, one trailing newline dropped, no prompt', async (t) => {
  for (const [piped, expected] of [
    [`${SECRET}\n`, SECRET],
    [`${SECRET}\r\n`, SECRET],
    [SECRET, SECRET],
    [' spaces kept \n\n', ' spaces kept \n'],
    ['', ''],
  ]) {
    const input = new PassThrough()
    const output = new PassThrough()
    let shown = ''
    output.on('data', (d) => (shown += d))
    input.end(piped)
    t.equal(await readPassword({ input, output }), expected, JSON.stringify(piped))
    t.equal(shown, '')
  }
})
