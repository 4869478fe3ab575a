import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import type { CliIo } from '../../src/cli/command.js'
import { runCli } from '../../src/cli/run.js'
import { generateToken, hashToken } from '../../src/tokens/format.js'
import { LATCHKEY, personalToken, runProcess } from '../fixtures.js'
import { build, DATABASE_KIND, seedFirstAdmin, type Teardown } from '../helper.js'

// `latchkey tokens scan PATH…` (CONTRACT 11): tokens with valid checksums in files, no database.

/** `latchkey <argv>` in this process, with no configuration at all in its environment. */
async function cli(argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text) }
  const code = await runCli(argv, {}, io)
  return { code, stdout: out.join(''), stderr: err.join('') }
}

function tempDir(t: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-scan-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const hint = (token: string) => `${token.slice(0, 4)}…${token.slice(-4)}`

/** A tree with tokens in several files, and look-alikes that must not count. */
function plantTokens(dir: string, personal: string, application: string) {
  const badChecksum = personal.slice(0, -1) + (personal.endsWith('A') ? 'B' : 'A')
  mkdirSync(join(dir, 'config'))
  mkdirSync(join(dir, 'node_modules', 'dep'), { recursive: true })
  mkdirSync(join(dir, '.git'))
  writeFileSync(join(dir, '.env'), `PORT=3000\nLATCHKEY_TOKEN=${personal}\n`)
  writeFileSync(
    join(dir, 'config', 'deploy.yml'),
    [
      'steps:',
      `  - run: curl -H "Authorization: Bearer ${application}" https://api.example.com`,
      `  - typo: ${badChecksum}`,
      `  - glued: x${personal}`,
      `  - longer: ${personal}0`,
      '',
    ].join('\n'),
  )
  writeFileSync(join(dir, 'node_modules', 'dep', 'index.js'), `const t = "${personal}"`)
  writeFileSync(join(dir, '.git', 'config'), `token = ${personal}`)
  writeFileSync(join(dir, 'logo.png'), Buffer.concat([Buffer.from([0x89, 0, 1, 2]), Buffer.from(personal)]))
  writeFileSync(join(dir, 'README.md'), 'Set LATCHKEY_TOKEN to a token such as lkp_… from the Tokens tab.\n')
}

t.test('finds tokens with valid checksums, prints hints, exit codes', async (t) => {
  const dir = tempDir(t)
  const personal = generateToken('personal')
  const application = generateToken('application')
  plantTokens(dir, personal, application)

  const found = await cli(['tokens', 'scan', dir])
  t.equal(found.code, 1, 'exit 1 when tokens are found')
  t.same(
    found.stdout.trim().split('\n'),
    [
      `${join(dir, '.env')}:2: ${hint(personal)} (personal token)`,
      `${join(dir, 'config', 'deploy.yml')}:2: ${hint(application)} (application token)`,
    ],
    'path:line and the hint of each, in path order; not the bad checksum, glued or longer strings, node_modules, .git or binary files',
  )
  t.notMatch(found.stdout + found.stderr, personal, 'never the token itself')
  t.notMatch(found.stdout + found.stderr, application)
  t.match(found.stderr, '2 token(s) found in 3 file(s) scanned; 1 binary file(s) skipped')

  const json = await cli(['tokens', 'scan', join(dir, 'config'), join(dir, '.env'), '--json'])
  t.equal(json.code, 1)
  t.same(JSON.parse(json.stdout), {
    findings: [
      {
        path: join(dir, 'config', 'deploy.yml'),
        line: 2,
        kind: 'application',
        hint: hint(application),
        token_hash: hashToken(application),
      },
      {
        path: join(dir, '.env'),
        line: 2,
        kind: 'personal',
        hint: hint(personal),
        token_hash: hashToken(personal),
      },
    ],
    skipped: [],
    files_scanned: 2,
  })
  t.equal(json.stderr, '', '--json writes one object and nothing else')

  const clean = await cli(['tokens', 'scan', join(dir, 'README.md')])
  t.same([clean.code, clean.stdout], [0, ''], 'exit 0 when nothing is found')
  const missing = await cli(['tokens', 'scan', join(dir, 'nope')])
  t.equal(missing.code, 2, 'a path that does not exist is a usage error')
  t.match(missing.stderr, /^latchkey: no such file or directory: .*nope\n\nUsage: latchkey tokens scan/)
  const none = await cli(['tokens', 'scan'])
  t.equal(none.code, 2, 'a path is needed')
  const badUrl = await cli(['tokens', 'scan', dir, '--report', 'ftp://example.com'])
  t.equal(badUrl.code, 2, '--report needs an http(s) URL')
  t.match(badUrl.stderr, 'latchkey: --report needs an http(s) URL')
})

t.test('runs without DATABASE_URL, DATA_DIR or SESSION_SECRET, and opens no database', async (t) => {
  const dir = tempDir(t)
  const personal = generateToken('personal')
  plantTokens(dir, personal, generateToken('application'))
  const before = readdirSync(dir).sort()
  const [node = process.execPath, ...prefix] = LATCHKEY
  const run = await runProcess(
    node,
    [...prefix, 'tokens', 'scan', '.'],
    // A DATABASE_URL that nothing answers: opening it would fail the command.
    { cwd: dir, env: { PATH: process.env.PATH ?? '', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' } },
  )
  t.equal(run.code, 1, run.stderr)
  t.match(run.stdout, `.env:2: ${hint(personal)} (personal token)`)
  t.same(
    readdirSync(dir).sort(),
    before,
    'nothing was written (no .latchkey data directory, no session secret)',
  )
})

async function listening(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  return `http://127.0.0.1:${address.port}`
}

t.test(`--report posts the findings to a real server, which revokes them (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const base = await listening(app)
  const admin = await seedFirstAdmin(app)
  const real = await personalToken(app, admin, 'publish', { name: 'leaked in CI' })
  const unknown = generateToken('application')
  const dir = tempDir(t)
  writeFileSync(join(dir, 'a.env'), `TOKEN=${real}\nOTHER=${unknown}\nAGAIN=${real}\n`)
  writeFileSync(join(dir, 'b.txt'), real)
  const file = join(dir, 'a.env')

  const reported = await cli(['tokens', 'scan', dir, '--report', `${base}/leaked-tokens`])
  t.equal(reported.code, 1, reported.stderr)
  t.same(
    reported.stdout.trim().split('\n'),
    [
      `${file}:1: ${hint(real)} (personal token) true_positive`,
      `${file}:2: ${hint(unknown)} (application token) false_positive`,
      `${file}:3: ${hint(real)} (personal token) true_positive`,
      `${join(dir, 'b.txt')}:1: ${hint(real)} (personal token) true_positive`,
    ],
    'each finding with its label',
  )
  const verify = await app.inject({ url: '/verify', headers: { authorization: `Bearer ${real}` } })
  t.equal(verify.statusCode, 401, 'the real token is revoked')
  const events = await app.db
    .selectFrom('audit_events')
    .select(['account_id', 'details'])
    .where('action', '=', 'token.leaked')
    .execute()
  t.equal(events.length, 1, 'once, though it was found three times')
  t.match(events[0], {
    account_id: admin.accountId,
    details: { url: file, source: 'latchkey tokens scan', name: 'leaked in CI' },
  })

  const json = await cli(['tokens', 'scan', file, '--json', '--report', `${base}/leaked-tokens`])
  t.equal(json.code, 1)
  t.same(
    (JSON.parse(json.stdout) as { findings: { label: string }[] }).findings.map((f) => f.label),
    ['true_positive', 'false_positive', 'true_positive'],
    '--json carries the labels',
  )

  await app.close()
  const failed = await cli(['tokens', 'scan', file, '--report', `${base}/leaked-tokens`])
  t.equal(failed.code, 3, 'exit 3 when tokens were found but the report failed')
  t.match(failed.stderr, `latchkey: the report failed: could not reach ${base}/leaked-tokens`)
  t.match(failed.stdout, `${file}:1: ${hint(real)} (personal token)\n`, 'the findings are still printed')
})
