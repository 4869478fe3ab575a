// A fixed-rate load generator in the manner of wrk2: request i is due at start + i/rate,
// whatever happened to the ones before it, and its latency is measured from when it was
// due (so a stall of the server counts for every request it delayed, and a stall of this
// client cannot hide one). Written for the sign-in storm row, whose p99 autocannon's
// `overallRate` could not be trusted for: see bench/ANALYSIS.md.
import http from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'

export interface FixedRateLoad {
  url: string
  /** Path and headers of each request, cycled. */
  requests: { path: string; headers: Record<string, string> }[]
  ratePerSecond: number
  connections: number
  durationS: number
}

export interface FixedRateResult {
  requests: number
  /** Responses that were not 2xx, and socket errors. */
  unexpected: number
  /** Latency from when the request was due (includes waiting for a free connection). */
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Latency from when the request was written (autocannon's measure). */
  sentP99Ms: number
  /** This process's own event-loop delay p99 (a late client shows here, not as server latency). */
  clientLoopDelayP99Ms: number
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0)
}

export async function runFixedRate(load: FixedRateLoad): Promise<FixedRateResult> {
  const target = new URL(load.url)
  const agent = new http.Agent({ keepAlive: true, maxSockets: load.connections })
  const total = Math.round(load.ratePerSecond * load.durationS)
  const fromDue = new Float64Array(total)
  const fromSent = new Float64Array(total)
  let done = 0
  let unexpected = 0
  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  const start = performance.now()
  const interval = 1000 / load.ratePerSecond
  let next = 0
  const finished = new Promise<void>((resolve) => {
    const settle = () => {
      done += 1
      if (done === total) resolve()
    }
    const fire = (index: number, due: number) => {
      const spec = load.requests[index % load.requests.length] as FixedRateLoad['requests'][number]
      let sent = 0
      const request = http.request(
        { agent, host: target.hostname, port: target.port, path: spec.path, headers: spec.headers },
        (response) => {
          response.resume()
          response.on('end', () => {
            const end = performance.now()
            fromDue[index] = end - due
            fromSent[index] = end - sent
            if ((response.statusCode ?? 0) >= 300) unexpected += 1
            settle()
          })
        },
      )
      request.on('socket', () => {
        sent = performance.now()
      })
      request.on('error', () => {
        unexpected += 1
        settle()
      })
      request.end()
    }
    // Every millisecond, send whatever is due; a late tick sends the backlog at once.
    const tick = () => {
      const now = performance.now()
      while (next < total && start + next * interval <= now) {
        fire(next, start + next * interval)
        next += 1
      }
      if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now()))
    }
    tick()
  })
  await finished
  loop.disable()
  agent.destroy()
  const due = fromDue.slice().sort()
  const sent = fromSent.slice().sort()
  return {
    requests: total,
    unexpected,
    p50Ms: percentile(due, 0.5),
    p99Ms: percentile(due, 0.99),
    maxMs: due[due.length - 1] ?? Number.NaN,
    sentP99Ms: percentile(sent, 0.99),
    clientLoopDelayP99Ms: loop.percentile(99) / 1e6,
  }
}
