import { execFile, spawn } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import t from 'tap'
import { REPO } from '../../compiled.mjs'
import { LATCHKEY } from '../../fixtures.js'
import { DATABASE_KIND } from '../../helper.js'
import { DOCKER_COMPOSE, NGINX, requirePrograms } from '../require-program.js'
import { freePort, httpOnce, serverDatabaseEnv, startServerProcess } from '../server-process.js'
import { COMPOSE_ENV, compose } from './compose.js'

const run = promisify(execFile)

/** Each service's block of `docker-compose config` output, by name. */
function composeServices(config: string): Record<string, string> {
  const section = config.split(/^services:\n/m)[1]?.split(/^\S/m)[0] ?? ''
  const blocks: Record<string, string> = {}
  for (const block of section.split(/^ {2}(?=\S)/m).filter(Boolean)) {
    const name = block.slice(0, block.indexOf(':'))
    blocks[name] = `  ${block}`
  }
  return blocks
}

/** The nginx configuration kept inline in docker-compose.yml (the NGINX_CONF block), with `$$` as `$`. */
function composeNginxConf(): string {
  const lines = readFileSync(join(REPO, 'docker-compose.yml'), 'utf8').split('\n')
  const start = lines.findIndex((l) => /^\s*NGINX_CONF: \|$/.test(l))
  const body: string[] = []
  let indent = -1
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') {
      body.push('')
      continue
    }
    const own = line.length - line.trimStart().length
    if (indent < 0) indent = own
    if (own < indent) break
    body.push(line.slice(indent))
  }
  return body.join('\n').replaceAll('$$', '$')
}

const skip = requirePrograms(t, [DOCKER_COMPOSE, NGINX])

t.test('docker-compose.yml is valid and says clearly what is missing', { skip }, async (t) => {
  const ok = await compose(['config', '-q'], COMPOSE_ENV)
  t.equal(ok.code, 0, `docker-compose config -q: ${ok.stderr}`)
  const scale = await compose(['--profile', 'scale', 'config', '--services'], COMPOSE_ENV)
  t.equal(scale.code, 0, scale.stderr)
  t.same(scale.stdout.trim().split('\n').sort(), [
    'latchkey',
    'latchkey-2',
    'mailpit',
    'migrate',
    'nginx',
    'postgres',
  ])
  // The migrations run once, in a one-shot service the instances wait for; the instances run read-only.
  const resolved = await compose(['--profile', 'scale', 'config'], COMPOSE_ENV)
  const services = composeServices(resolved.stdout)
  t.match(services.migrate, /command:\n {4}- migrate\n/, 'migrate runs `latchkey migrate`')
  t.match(services.migrate, /restart: 'no'|restart: "no"|restart: no/, 'once')
  t.notMatch(services.migrate, /migrate:\n\s+condition/, 'and waits for no one but PostgreSQL')
  for (const name of ['latchkey', 'latchkey-2']) {
    const service = services[name] ?? ''
    t.match(
      service,
      /migrate:\n {8}condition: service_completed_successfully/,
      `${name} waits for the migrations to succeed`,
    )
    t.match(service, /postgres:\n {8}condition: service_healthy/, `${name} waits for a healthy PostgreSQL`)
    t.match(service, /read_only: true/, `${name} runs on a read-only root filesystem`)
    t.match(
      service,
      /tmpfs:\n {4}- \/tmp\n {4}- \/data:uid=1000,gid=1000,mode=0700\n/,
      'with tmpfs for /tmp and /data',
    )
  }
  // The development mail catcher: its own profile, and SMTP_URL reaches the instances.
  const mail = await compose(['--profile', 'mail', 'config'], {
    ...COMPOSE_ENV,
    SMTP_URL: 'smtp://mailpit:1025',
  })
  t.equal(mail.code, 0, mail.stderr)
  t.match(mail.stdout, /^ {2}mailpit:$/m, 'the mail profile adds Mailpit')
  t.match(mail.stdout, /image: axllent\/mailpit/)
  t.match(mail.stdout, /SMTP_URL: smtp:\/\/mailpit:1025/, 'SMTP_URL is passed to Latchkey')
  for (const name of ['PUBLIC_URL', 'POSTGRES_PASSWORD'] as const) {
    const { [name]: _left, ...env } = COMPOSE_ENV
    const missing = await compose(['config', '-q'], env)
    t.not(missing.code, 0, `fails without ${name}`)
    t.match(missing.stderr, `set ${name}`, `and names ${name}`)
  }
  // SESSION_SECRET comes from a compose secret (a file), not the environment (CONTRACT 12).
  const withSecret = await compose(['--profile', 'scale', 'config'], {
    ...COMPOSE_ENV,
    SESSION_SECRET_PATH: '/etc/latchkey/session_secret',
  })
  t.equal(withSecret.code, 0, withSecret.stderr)
  t.equal(
    withSecret.stdout.match(/SESSION_SECRET_FILE: \/run\/secrets\/session_secret$/gm)?.length,
    3,
    'both instances and the migrate service (its configuration needs the secret too) read the secret file',
  )
  t.equal(withSecret.stdout.match(/^ {4}- source: session_secret$/gm)?.length, 3, 'and are given it')
  t.match(
    withSecret.stdout,
    /^ {2}session_secret:\n {4}file: \/etc\/latchkey\/session_secret$/m,
    'from SESSION_SECRET_PATH',
  )
  t.notMatch(withSecret.stdout, /SESSION_SECRET: /, 'never as a variable in the container environment')
  // nginx is a trusted proxy, whose X-Request-Id Latchkey logs under: nginx's own id, never the client's.
  t.equal(composeNginxConf().match(/proxy_set_header X-Request-Id \$request_id;/g)?.length, 2)
})

t.test(
  `the compose nginx front balances instances and rides out a restart (${DATABASE_KIND})`,
  { skip },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-nginx-'))
    chmodSync(dir, 0o755)
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    // Two instances on one PostgreSQL database; PGlite is single-process, so there one serves both slots.
    const env = await serverDatabaseEnv(t)
    const first = await startServerProcess(t, LATCHKEY, env)
    const second = DATABASE_KIND === 'postgres' ? await startServerProcess(t, LATCHKEY, env) : first
    const frontPort = await freePort()
    let backendPort = await freePort()
    while (backendPort === frontPort) backendPort = await freePort()
    const conf = composeNginxConf()
      .replace('server latchkey:3000', `server 127.0.0.1:${first.port}`)
      .replace('server latchkey-2:3000', `server 127.0.0.1:${second.port}`)
      .replace('listen 80;', `listen 127.0.0.1:${frontPort};`)
      .replaceAll('127.0.0.1:8081', `127.0.0.1:${backendPort}`)
    t.match(conf, 'auth_request /_latchkey_verify;', 'the front guards a backend with auth_request')
    t.match(conf, 'proxy_pass http://latchkey/verify', 'against /verify')
    mkdirSync(join(dir, 'temp'), { mode: 0o777 })
    writeFileSync(join(dir, 'default.conf'), conf)
    writeFileSync(
      join(dir, 'nginx.conf'),
      `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n` +
        ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
          .map((k) => `  ${k}_temp_path ${dir}/temp/${k};\n`)
          .join('') +
        `  include ${dir}/default.conf;\n}\n`,
    )
    const nginxArgs = ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf')]
    const syntax = await run('nginx', [...nginxArgs, '-t']).then(
      () => '',
      (error: { code?: string; stderr?: string }) =>
        error.code === 'ENOENT'
          ? 'nginx is not installed (apt-get install nginx-light)'
          : (error.stderr ?? 'failed'),
    )
    t.equal(syntax, '', 'nginx -t accepts the configuration')
    const nginx = spawn('nginx', [...nginxArgs, '-g', 'daemon off;'], { stdio: 'ignore' })
    t.teardown(() => nginx.kill('SIGQUIT'))
    let up = 0
    for (let i = 0; i < 50 && up !== 200; i++) {
      up = await httpOnce(frontPort, '/healthz').then(
        (r) => r.status,
        () => 0,
      )
      if (up !== 200) await sleep(100)
    }
    t.equal(up, 200, 'nginx answers')
    t.equal(
      (await httpOnce(frontPort, '/metrics')).status,
      404,
      'metrics are not published through the front',
    )
    t.equal((await httpOnce(frontPort, '/readyz')).status, 200, 'readiness through the front')

    if (DATABASE_KIND !== 'postgres') return
    for (let i = 0; i < 20; i++) await httpOnce(frontPort, `/healthz?lb=${i}`)
    const served = (s: typeof first) => s.logs.filter((l) => l.req?.url.startsWith('/healthz?lb=')).length
    t.ok(
      served(first) > 0 && served(second) > 0,
      `both instances served (${served(first)}/${served(second)})`,
    )

    // A rolling restart: SIGTERM one instance while traffic flows through the front.
    const statuses: number[] = []
    let stop = false
    const progress = new EventEmitter()
    const lane = async () => {
      while (!stop) {
        statuses.push(
          await httpOnce(frontPort, '/readyz').then(
            (r) => r.status,
            () => 0,
          ),
        )
        progress.emit('answer')
      }
    }
    /** Resolves once `count` answers have come through the front (counted after every request). */
    const answers = (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (statuses.length < count) return
          progress.off('answer', check)
          resolve()
        }
        progress.on('answer', check)
        check()
      })
    const lanes = [lane(), lane(), lane()]
    await answers(15) // traffic flows through both instances
    first.child.kill('SIGTERM')
    t.equal(await first.exited, 0, 'the first instance stopped cleanly')
    await answers(statuses.length + 15) // and goes on through the one left
    stop = true
    await Promise.all(lanes)
    t.ok(statuses.length > 20, `requests through the front: ${statuses.length}`)
    t.same(
      statuses.filter((s) => s !== 200),
      [],
      'every request through the front succeeded while an instance stopped',
    )
  },
)
