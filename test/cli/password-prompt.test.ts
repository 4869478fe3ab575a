import { spawn } from 'node:child_process'
import t from 'tap'
import { verifyPassword } from '../../src/security/passwords.js'
import { LATCHKEY } from '../fixtures.js'
import { DATABASE_KIND, PASSWORD, TEST_SECRET } from '../helper.js'
import { requirePrograms, SCRIPT } from '../system/require-program.js'
import { openServerDatabase, serverDatabaseEnv } from '../system/server-process.js'

t.setTimeout(300_000)

const skip = requirePrograms(t, [SCRIPT])

const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`

/**
 * `latchkey users create` on a real terminal: `script` (util-linux) runs it in
 * a pseudo-terminal and everything the terminal shows comes back on its stdout,
 * so a password echoed by the terminal or by the program would be seen there.
 */
t.test(
  `on a terminal the CLI asks for the password twice without showing it (${DATABASE_KIND})`,
  { skip },
  async (t) => {
    const env = await serverDatabaseEnv(t)
    const command = [
      ...LATCHKEY,
      ...['users', 'create', '--email', 'ann@example.com', '--name', 'Ann', '--role', 'admin'],
      ...['--account', 'Acme', '--json'],
    ]
    const child = spawn('script', ['-qec', command.map(quote).join(' '), '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', SESSION_SECRET: TEST_SECRET, ...env },
    })
    let screen = ''
    const waiters: (() => void)[] = []
    child.stdout.on('data', (d) => {
      screen += d
      for (const wake of waiters.splice(0)) wake()
    })
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    t.teardown(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    /** Types `text` once the screen shows `prompt` (typing earlier would meet the terminal's own echo). */
    const typeAfter = async (prompt: string, text: string) => {
      while (!screen.includes(prompt)) {
        if (child.exitCode !== null) throw new Error(`exited before "${prompt}": ${screen}`)
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
      child.stdin.write(text)
    }
    await typeAfter('Password: ', `${PASSWORD}\r`)
    await typeAfter('Repeat the password: ', `${PASSWORD}\r`)
    t.equal(await exited, 0, screen)
    t.notMatch(screen, PASSWORD, 'the password never appears on the terminal')
    t.match(screen, /\{"user_id":\d+,"account_id":\d+\}/)

    const database = await openServerDatabase(env)
    t.teardown(() => database.close())
    const user = await database.db
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', 'ann@example.com')
      .executeTakeFirstOrThrow()
    t.ok(await verifyPassword(user.password_hash, PASSWORD), 'the typed password is the one set')
  },
)
