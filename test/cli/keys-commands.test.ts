import t from 'tap'
import type { CliIo } from '../../src/cli/command.js'
import { runCli } from '../../src/cli/run.js'
import { DATABASE_KIND, TEST_SECRET } from '../helper.js'
import { openServerDatabase, serverDatabaseEnv } from '../system/server-process.js'

t.setTimeout(600_000) // PGlite opens its data directory once per command

/** `latchkey <argv>` in this process, on the suite's database. */
async function cli(argv: string[], env: Record<string, string>) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text) }
  const code = await runCli(
    argv,
    { SESSION_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', PUBLIC_URL: 'http://localhost:3000', ...env },
    io,
  )
  return { code, stdout: out.join(''), stderr: err.join('') }
}

t.test(`latchkey keys list / rotate / retire (${DATABASE_KIND})`, async (t) => {
  const env = await serverDatabaseEnv(t)
  const empty = await cli(['keys', 'list'], env)
  t.equal(empty.code, 0)
  t.match(empty.stdout, /no signing keys yet/)

  const first = await cli(['keys', 'rotate'], env)
  t.equal(first.code, 0, first.stderr)
  const firstKid = first.stdout.trim()
  t.match(firstKid, /^[A-Za-z0-9_-]{43}$/, 'rotate prints the new kid')
  const second = await cli(['keys', 'rotate', '--json'], env)
  const secondKid = JSON.parse(second.stdout).kid as string
  t.not(secondKid, firstKid)

  const listed = await cli(['keys', 'list', '--json'], env)
  const { keys } = JSON.parse(listed.stdout) as {
    keys: { kid: string; signing: boolean; retired_at: null }[]
  }
  t.same(
    keys.map((key) => [key.kid, key.signing, key.retired_at]),
    [
      [secondKid, true, null],
      [firstKid, false, null],
    ],
    'newest first; the newest signs',
  )
  const table = await cli(['keys', 'list'], env)
  t.match(table.stdout, /^KID\s+CREATED\s+RETIRED\s+SIGNS/)
  t.match(table.stdout, new RegExp(`${secondKid}\\s+\\S+\\s+-\\s+yes`))

  const current = await cli(['keys', 'retire', secondKid], env)
  t.equal(current.code, 1, 'the signing key is not retired')
  t.match(current.stderr, /current signing key; run "latchkey keys rotate" first/)
  const retired = await cli(['keys', 'retire', firstKid, '--json'], env)
  t.equal(retired.code, 0, retired.stderr)
  t.same(JSON.parse(retired.stdout), { kid: firstKid, retired: true })
  const again = await cli(['keys', 'retire', firstKid], env)
  t.equal(again.code, 1, 'an already retired key')
  t.match(again.stderr, /No unretired signing key/)

  t.equal((await cli(['keys', 'retire', 'not a kid!'], env)).code, 2, 'a malformed kid is a usage error')
  t.equal((await cli(['keys', 'retire'], env)).code, 2, 'retire needs a kid')
  t.equal((await cli(['keys', 'rotate', 'extra'], env)).code, 2)

  const database = await openServerDatabase(env)
  try {
    const events = await database.db
      .selectFrom('audit_events')
      .select(['action', 'target_id'])
      .where('action', 'like', 'signing_key.%')
      .orderBy('id')
      .execute()
    t.same(
      events.map((event) => event.action),
      ['signing_key.rotated', 'signing_key.rotated', 'signing_key.retired'],
      'audited as done by the cli',
    )
  } finally {
    await database.close()
  }
})
