import { spawn } from 'node:child_process'
import autocannon from 'autocannon'

export const CONNECTIONS = 50

export interface Measurement {
  tool: 'autocannon' | 'wrk'
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  requests: number
  /** Responses whose status was not the expected one, and socket errors. */
  unexpected: number
  durationS: number
}

export interface AutocannonLoad {
  url: string
  /** Requests cycled in order by every connection (static, built once). */
  requests?: autocannon.Request[]
  /** Or: a fresh request for every send (e.g. a different token each time). */
  next?: () => autocannon.Request
  durationS?: number
  /** Stop after this many requests instead of after `durationS`. */
  amount?: number
  expectedStatus?: number
}

/** autocannon in this process (pinned to the load generator's CPU by run.ts). */
export async function runAutocannon(load: AutocannonLoad): Promise<Measurement> {
  const next = load.next
  const requests = next
    ? [{ setupRequest: (request: autocannon.Request) => ({ ...request, ...next() }) }]
    : load.requests
  const result = await autocannon({
    url: load.url,
    connections: CONNECTIONS,
    requests,
    // Checked every sample: by default autocannon notices `amount` only once a second.
    sampleInt: 10,
    ...(load.amount ? { amount: load.amount } : { duration: load.durationS ?? 8 }),
  })
  const expected = String(load.expectedStatus ?? 200) as `${number}`
  const total = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx']
  const matching = result.statusCodeStats?.[expected]?.count ?? 0
  return {
    tool: 'autocannon',
    requestsPerSecond: total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: total,
    unexpected: total - matching + result.errors,
    durationS: result.duration,
  }
}

export interface WrkLoad {
  url: string
  durationS?: number
  headers?: Record<string, string>
  /** A Lua script and the environment it reads. */
  script?: string
  env?: Record<string, string>
  cpu: number
  /** The row answers 4xx on purpose (malformed tokens): then 2xx responses are the unexpected ones. */
  expectNon2xx?: boolean
}

function milliseconds(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim())
  if (!match) return Number.NaN
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm']
  return Number(match[1]) * factor
}

/** Debian's wrk, one thread and CONNECTIONS connections, pinned to `cpu`. */
export async function runWrk(load: WrkLoad): Promise<Measurement> {
  const durationS = load.durationS ?? 8
  const args = ['-c', String(load.cpu), 'wrk', '-t1', `-c${CONNECTIONS}`, `-d${durationS}s`, '--latency']
  for (const [name, value] of Object.entries(load.headers ?? {})) args.push('-H', `${name}: ${value}`)
  if (load.script) args.push('-s', load.script)
  args.push(load.url)
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('taskset', args, { env: { ...process.env, ...load.env } })
    let text = ''
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`)),
    )
  })
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? Number.NaN)
  const requests = number(/(\d+) requests in/)
  const non2xx = number(/Non-2xx or 3xx responses: (\d+)/)
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
  return {
    tool: 'wrk',
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: milliseconds(/\s50%\s+(\S+)/.exec(output)?.[1] ?? ''),
    p99Ms: milliseconds(/\s99%\s+(\S+)/.exec(output)?.[1] ?? ''),
    requests,
    unexpected:
      (load.expectNon2xx
        ? requests - (Number.isNaN(non2xx) ? 0 : non2xx)
        : Number.isNaN(non2xx)
          ? 0
          : non2xx) + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
    durationS,
  }
}
