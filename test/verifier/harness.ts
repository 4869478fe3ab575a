import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { build, type TestApp } from '../helper.js'
import { seedValidation, type ValidationSeed } from '../validation/fixtures.js'

type Teardown = Parameters<typeof build>[0]

/**
 * A pass-through HTTP proxy between the verifier and Latchkey: it counts the
 * requests Latchkey receives per path and can cut every open connection (the
 * stream's included) or refuse new ones, to play a lost network.
 */
export class CuttableProxy {
  readonly counts = new Map<string, number>()
  private readonly sockets = new Set<Socket>()
  private refusing = false
  private readonly server: http.Server

  constructor(private readonly target: string) {
    this.server = http.createServer((req, res) => {
      if (this.refusing) {
        req.socket.destroy()
        return
      }
      const path = (req.url ?? '').split('?')[0] ?? ''
      this.counts.set(path, (this.counts.get(path) ?? 0) + 1)
      const upstream = http.request(
        `${this.target}${req.url}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          res.flushHeaders()
          answer.pipe(res)
        },
      )
      upstream.on('error', () => res.destroy())
      res.on('close', () => upstream.destroy())
      req.pipe(upstream)
    })
    this.server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  count(path: string): number {
    return this.counts.get(path) ?? 0
  }

  /** Drops every open connection; with `refuse`, new ones too until `restore()`. */
  cut(refuse = false): void {
    this.refusing = refuse
    for (const socket of this.sockets) socket.destroy()
  }

  restore(): void {
    this.refusing = false
  }

  async close(): Promise<void> {
    this.cut(true)
    this.server.close()
    await once(this.server, 'close')
  }
}

export interface Served extends TestApp {
  seed: ValidationSeed
  /** Latchkey's own address. */
  direct: string
  proxy: CuttableProxy
  /** The proxy's address: give this to the verifier. */
  url: string
}

/** The real app listening on a port, seeded (seedValidation), behind a CuttableProxy. */
export async function serve(
  t: Teardown,
  overrides: Parameters<typeof build>[1] = {},
  options: Parameters<typeof build>[2] = {},
): Promise<Served> {
  const built = await build(t, overrides, options)
  const seed = await seedValidation(built.app)
  const direct = await listen(built.app)
  const proxy = new CuttableProxy(direct)
  const url = await proxy.listen()
  t.teardown(() => proxy.close())
  return { ...built, seed, direct, proxy, url }
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' })
}

/** Records a verifier's metrics events and lets a test await the next one of a name. */
export class Events {
  readonly counts = new Map<string, number>()
  private readonly waiting: { name: string; resolve: () => void }[] = []

  readonly hook = (name: string): void => {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1)
    for (const waiter of this.waiting.filter((w) => w.name === name)) {
      this.waiting.splice(this.waiting.indexOf(waiter), 1)
      waiter.resolve()
    }
  }

  count(name: string): number {
    return this.counts.get(name) ?? 0
  }

  /** Resolves on the next `name` event; rejects after `timeoutMs`. */
  next(name: string, timeoutMs = 5_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${name} event within ${timeoutMs} ms`)), timeoutMs)
      this.waiting.push({
        name,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
      })
    })
  }
}
