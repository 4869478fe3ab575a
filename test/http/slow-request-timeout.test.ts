import { connect, type Socket } from 'node:net'
import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config.js'
import { build, DATABASE_KIND, seedFirstAdmin, type Teardown } from '../helper.js'

// Issue 11, item 12: a POST /login body trickled a byte at a time stayed open for
// 420 s, because no whole-request timeout was set. Short timeouts come from config here.

const TIMEOUTS = { headersTimeoutMs: 400, requestTimeoutMs: 1000, keepAliveTimeoutMs: 500 }
/** Before the fix the connection outlived any of these; the test gives up on it after this long. */
const GIVE_UP_MS = 6000

async function listening(t: Teardown) {
  const { app } = await build(t, TIMEOUTS)
  const admin = await seedFirstAdmin(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('not listening')
  return { app, admin, port: address.port }
}

/** Opens a socket, runs `talk` on it, and resolves when the server closes it (or GIVE_UP_MS pass). */
function converse(port: number, talk: (socket: Socket, closed: () => boolean) => Promise<void>) {
  return new Promise<{ closedAfterMs: number | undefined; received: string }>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const started = performance.now()
    let received = ''
    let closed = false
    const giveUp = setTimeout(() => {
      socket.destroy()
      resolve({ closedAfterMs: undefined, received })
    }, GIVE_UP_MS)
    socket.on('data', (chunk) => {
      received += chunk.toString()
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      closed = true
      clearTimeout(giveUp)
      resolve({ closedAfterMs: performance.now() - started, received })
    })
    socket.on('connect', () => {
      talk(socket, () => closed).catch(() => undefined)
    })
  })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Writes `text` a byte every `everyMs` until it is all sent or the socket is closed. */
async function trickle(socket: Socket, closed: () => boolean, text: string, everyMs: number) {
  for (const byte of text) {
    if (closed() || socket.destroyed) return
    socket.write(byte)
    await sleep(everyMs)
  }
}

t.test(`a POST /login body trickled slowly is cut off (${DATABASE_KIND})`, async (t) => {
  const { admin, port } = await listening(t)
  const body = new URLSearchParams({ email: admin.email, password: admin.password })
    .toString()
    .padEnd(400, '&')
  const head = [
    'POST /login HTTP/1.1',
    'Host: 127.0.0.1',
    'Content-Type: application/x-www-form-urlencoded',
    `Content-Length: ${body.length}`,
    '',
    '',
  ].join('\r\n')
  const { closedAfterMs, received } = await converse(port, async (socket, closed) => {
    socket.write(head)
    // 400 bytes at one every 50 ms would take 20 s; the body keeps the socket busy all along.
    await trickle(socket, closed, body, 50)
  })
  t.ok(
    closedAfterMs !== undefined,
    `the server closed the connection (after ${closedAfterMs?.toFixed(0)} ms)`,
  )
  t.ok(
    (closedAfterMs ?? Infinity) < TIMEOUTS.requestTimeoutMs + 2000,
    'within about a second of REQUEST_TIMEOUT',
  )
  t.match(received, /^HTTP\/1\.1 408 /, 'with 408 Request Timeout')
})

t.test(`request headers trickled slowly are cut off (${DATABASE_KIND})`, async (t) => {
  const { port } = await listening(t)
  const { closedAfterMs } = await converse(port, async (socket, closed) => {
    await trickle(socket, closed, 'GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '.padEnd(400, 'x'), 50)
  })
  t.ok(
    closedAfterMs !== undefined,
    `the server closed the connection (after ${closedAfterMs?.toFixed(0)} ms)`,
  )
  t.ok(
    (closedAfterMs ?? Infinity) < TIMEOUTS.headersTimeoutMs + 2000,
    'within about a second of HEADERS_TIMEOUT',
  )
})

t.test(`an idle keep-alive connection is closed (${DATABASE_KIND})`, async (t) => {
  const { port } = await listening(t)
  const { closedAfterMs, received } = await converse(port, async (socket) => {
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  })
  t.match(received, /^HTTP\/1\.1 200 /, 'the request was answered')
  t.ok(
    closedAfterMs !== undefined,
    `then the idle connection was closed (after ${closedAfterMs?.toFixed(0)} ms)`,
  )
  t.ok((closedAfterMs ?? Infinity) < TIMEOUTS.keepAliveTimeoutMs + 2000)
})

t.test('the timeouts come from the environment, with defaults, and are checked', async (t) => {
  const env = { SESSION_SECRET: 'x'.repeat(40), DATA_DIR: '/nonexistent' }
  const defaults = loadConfig(env)
  t.same(
    [defaults.headersTimeoutMs, defaults.requestTimeoutMs, defaults.keepAliveTimeoutMs],
    [15_000, 30_000, 72_000],
  )
  const set = loadConfig({
    ...env,
    HEADERS_TIMEOUT_SECONDS: '5',
    REQUEST_TIMEOUT_SECONDS: '20',
    KEEP_ALIVE_TIMEOUT_SECONDS: '10',
  })
  t.same([set.headersTimeoutMs, set.requestTimeoutMs, set.keepAliveTimeoutMs], [5_000, 20_000, 10_000])
  t.throws(() => loadConfig({ ...env, REQUEST_TIMEOUT_SECONDS: '0' }), ConfigError)
  t.throws(
    () => loadConfig({ ...env, HEADERS_TIMEOUT_SECONDS: '60', REQUEST_TIMEOUT_SECONDS: '30' }),
    /HEADERS_TIMEOUT_SECONDS \(60\) must not exceed REQUEST_TIMEOUT_SECONDS \(30\)/,
  )
})
