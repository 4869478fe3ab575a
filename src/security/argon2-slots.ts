import { availableParallelism } from 'node:os'

/**
 * How many argon2 computations run at once in this process: one fewer than the
 * cores, at least one. argon2 runs on libuv's threads (four by default), so a burst
 * of sign-ins on a two-core machine took both cores, and the event loop, which
 * answers `/verify` for every API call behind the gateway, waited for a core
 * (bench/RESULTS.md, sign-in storm). With a core always left to the event loop,
 * sign-ins queue here instead: each waits for the ones before it (on two cores
 * with OWASP's cost, about 50 ms per sign-in ahead of it).
 */
export const ARGON2_SLOTS = Math.max(1, availableParallelism() - 1)

/** A counting semaphore: `run` starts `work` once fewer than `slots` are running, first come first served. */
export class Slots {
  private running = 0
  private readonly waiting: (() => void)[] = []

  constructor(private readonly slots: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve))
    else this.running += 1
    try {
      return await work()
    } finally {
      // The slot passes straight to the next in line (running stays the same), or is freed.
      const next = this.waiting.shift()
      if (next) next()
      else this.running -= 1
    }
  }
}
