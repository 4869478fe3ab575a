import underPressure from '@fastify/under-pressure'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { OverloadedError } from '../errors.js'

/** What a shed request is told: try again after this many seconds (RFC 9110 section 10.2.3). */
export const SHED_RETRY_AFTER_SECONDS = 5

export interface LoadSheddingOptions {
  /** Shed while the event loop's mean delay over a sample exceeds this (ms); 0: never. */
  maxEventLoopDelayMs: number
  /** How often the delay is sampled (the mean over each sample is compared); one second unless a test wants a shorter sample. */
  sampleIntervalMs?: number
}

/** Route config of the routes that are answered even under pressure (`/healthz`, `/metrics`). */
export const NOT_SHED = { pressureHandler: () => undefined }

/**
 * Load shedding with @fastify/under-pressure: while the event loop stalls (a
 * storm of sign-ins, a long synchronous task), every request is answered 503 at
 * once with `Retry-After` and the JSON error shape, so a load balancer sends it
 * elsewhere instead of letting it wait behind the stall. Liveness and metrics
 * stay answered (`NOT_SHED` in their route config): a stalled process is alive,
 * and a stall is when its metrics matter.
 */
export const loadShedding = fp(async (app: FastifyInstance, options: LoadSheddingOptions) => {
  if (options.maxEventLoopDelayMs <= 0) return
  const sampleInterval = options.sampleIntervalMs ?? 1000
  // Booting (compiling every route's schemas) blocks the loop for a while, and a
  // sample with no tick in it counts as an infinite delay: shedding starts only
  // once two samples have been taken after the app is ready.
  let armed = false
  app.addHook('onReady', async () => {
    setTimeout(() => {
      armed = true
    }, 2 * sampleInterval).unref()
  })
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    sampleInterval,
    pressureHandler: async () => {
      if (armed) throw new OverloadedError(SHED_RETRY_AFTER_SECONDS)
    },
  })
})
