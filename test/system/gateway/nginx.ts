import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const NGINX = '/usr/sbin/nginx'

/** The nginx snippet the README documents, so the test runs exactly what users copy. */
export function readmeSnippet(): string {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8')
  const match = /A working nginx `auth_request` setup[^\n]*\n\n```nginx\n([\s\S]*?)```/.exec(readme)
  if (!match?.[1]) throw new Error('the README no longer has the nginx auth_request snippet')
  return match[1]
}

/**
 * The README snippet with this test's ports filled in, served twice: as written
 * on `port`, and with `/verify?permission=publish` on `strictPort`.
 */
export function nginxConfig(
  dir: string,
  ports: { nginx: number; strict: number; latchkey: number; upstream: number },
): string {
  const snippet = readmeSnippet()
    .replace('127.0.0.1:3000', `127.0.0.1:${ports.latchkey}`)
    .replace('127.0.0.1:8080', `127.0.0.1:${ports.upstream}`)
  const server = snippet.slice(snippet.indexOf('server {'))
  const upstreams = snippet.slice(0, snippet.indexOf('server {'))
  const strict = server
    .replace('listen 80;', `listen 127.0.0.1:${ports.strict};`)
    .replace('proxy_pass http://latchkey/verify;', 'proxy_pass http://latchkey/verify?permission=publish;')
  return `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${upstreams}
${server.replace('listen 80;', `listen 127.0.0.1:${ports.nginx};`)}
${strict}
}
`
}

/** Runs a real nginx from Debian's package with its own config in a temp directory. */
export class Nginx {
  private constructor(
    readonly dir: string,
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(ports: {
    nginx: number
    strict: number
    latchkey: number
    upstream: number
  }): Promise<Nginx> {
    if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: install Debian's nginx (.ci/run does)`)
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-nginx-'))
    for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub))
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, ports))
    const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
      stdio: 'inherit',
    })
    const nginx = new Nginx(dir, child, ports.nginx)
    for (let i = 0; i < 100; i++) {
      try {
        await fetch(`http://127.0.0.1:${ports.nginx}/`)
        return nginx
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    nginx.stop()
    throw new Error('nginx did not start')
  }

  stop(): void {
    this.child.kill('SIGTERM')
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** A tiny upstream that answers with the identity headers it received. */
export function startEchoUpstream(): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const seen = Object.fromEntries(Object.entries(request.headers).filter(([k]) => k.startsWith('x-auth-')))
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify({ path: request.url, headers: seen }))
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 })
    })
  })
}
