import { join } from 'node:path'

/** Where the server and the load generator run (taskset CPU numbers). */
export const SERVER_CPU = 0
export const LOAD_CPU = 1
export const POSTGRES = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8)
export const WARMUP_S = 2
export const COLD_PASS = 9_000
export const PASSES = 3
/** Rounds of the interleaved comparison of hot /verify with bare Fastify, and seconds per side and round. */
export const INTERLEAVED_ROUNDS = 9
export const INTERLEAVED_S = 3
/** Pairs of cold passes (the floor, then Latchkey) in each phase's interleaved cold comparison. */
export const COLD_ROUNDS = 5
export const OUT = join('bench', '.out')
export const RAW = join(OUT, 'results.json')
export const LATCHKEY_PORT = 3201
export const BARE_PORT = 3202
export const LATCHKEY = `http://127.0.0.1:${LATCHKEY_PORT}`
export const BARE = `http://127.0.0.1:${BARE_PORT}`

export function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`)
}
