import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config.js'
import type { Teardown } from '../helper.js'

// CONTRACT 12: SESSION_SECRET_FILE, DATABASE_URL_FILE, SMTP_URL_FILE and
// METRICS_TOKEN_FILE read the value from a file (Docker and Kubernetes secrets).

const SECRET = 'a-session-secret-from-a-file-0123456789abcdef'
const OLDER = 'an-older-session-secret-still-verifying-012345'

function secretsDir(t: Teardown): (name: string, content: string) => string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-secrets-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return (name, content) => {
    const path = join(dir, name)
    writeFileSync(path, content, { mode: 0o600 })
    return path
  }
}

/** The one-line start-up error for this environment. */
function startupError(env: Record<string, string>): string {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error.message
    throw error
  }
  throw new Error('the configuration was accepted')
}

t.test('each variable is read from its file, trailing whitespace stripped', async (t) => {
  const file = secretsDir(t)
  const config = loadConfig({
    SESSION_SECRET_FILE: file('session', `${SECRET},${OLDER}\n`),
    DATABASE_URL_FILE: file('database', 'postgres://latchkey:p%40ss@db:5432/latchkey\r\n'),
    SMTP_URL_FILE: file('smtp', 'smtp://mailer:secret@mail.example.com:587 \t\n\n'),
    METRICS_TOKEN_FILE: file('metrics', 'a-scrape-token-of-32-characters!\n'),
  })
  t.same(config.sessionSecrets, [SECRET, OLDER], 'SESSION_SECRET_FILE, a list like the variable')
  t.equal(config.sessionSecret, SECRET)
  t.equal(config.databaseUrl, 'postgres://latchkey:p%40ss@db:5432/latchkey', 'DATABASE_URL_FILE')
  t.equal(config.smtpUrl, 'smtp://mailer:secret@mail.example.com:587', 'SMTP_URL_FILE')
  t.equal(config.metricsToken, 'a-scrape-token-of-32-characters!', 'METRICS_TOKEN_FILE')
  t.equal(
    loadConfig({ SESSION_SECRET: SECRET, DATABASE_URL_FILE: '' }).databaseUrl,
    undefined,
    'an empty _FILE variable is unset',
  )
})

t.test('a value from a file is checked like the variable', async (t) => {
  const file = secretsDir(t)
  t.match(
    startupError({ SESSION_SECRET_FILE: file('short', 'short\n') }),
    /^SESSION_SECRET must be at least 32 bytes/,
  )
  t.match(
    startupError({ SESSION_SECRET: SECRET, DATABASE_URL_FILE: file('db', 'mysql://x\n') }),
    /^DATABASE_URL must start with postgres/,
  )
  t.match(
    startupError({
      SESSION_SECRET: SECRET,
      METRICS_TOKEN_FILE: file('metrics', 'has spaces in it, 16+ bytes'),
    }),
    /^METRICS_TOKEN must be at least 16 bytes/,
  )
})

t.test(
  'both set, an unreadable or an empty file: one line naming the variable, never the content',
  async (t) => {
    const file = secretsDir(t)
    const secretFile = file('session', `${SECRET}\n`)
    const lines: string[] = []
    for (const name of ['SESSION_SECRET', 'DATABASE_URL', 'SMTP_URL', 'METRICS_TOKEN']) {
      const both = startupError({
        SESSION_SECRET: SECRET,
        [name]: name === 'SESSION_SECRET' ? SECRET : 'x',
        [`${name}_FILE`]: secretFile,
      })
      t.equal(both, `${name} and ${name}_FILE are both set; keep one of them`)
      lines.push(both)
    }

    const missing = join(secretFile, '..', 'no-such-file')
    const unreadable = startupError({ SESSION_SECRET_FILE: missing })
    t.equal(unreadable, `SESSION_SECRET_FILE: cannot read ${missing} (ENOENT)`)
    const directory = startupError({ SESSION_SECRET: SECRET, SMTP_URL_FILE: join(secretFile, '..') })
    t.match(directory, /^SMTP_URL_FILE: cannot read .* \(EISDIR\)$/)
    if (process.getuid?.() !== 0) {
      const locked = file('locked', 'postgres://u:p@db/latchkey')
      chmodSync(locked, 0o000)
      t.match(startupError({ SESSION_SECRET: SECRET, DATABASE_URL_FILE: locked }), /\(EACCES\)$/)
    }
    t.equal(
      startupError({ SESSION_SECRET: SECRET, METRICS_TOKEN_FILE: file('empty', '\n') }),
      `METRICS_TOKEN_FILE: ${join(secretFile, '..', 'empty')} is empty`,
    )

    const wrong = file('wrong', 'mysql://user:hunter2-secret@db/x\n')
    const message = startupError({ SESSION_SECRET: SECRET, DATABASE_URL_FILE: wrong })
    t.notMatch(message, 'hunter2', 'the content is never in the message')
    for (const line of [...lines, unreadable, directory, message]) t.notMatch(line, /\n/, 'one line')
  },
)
