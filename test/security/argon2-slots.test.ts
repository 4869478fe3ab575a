import t from 'tap'
import { ARGON2_SLOTS, Slots } from '../../src/security/argon2-slots.js'

t.test('at most `slots` run at once, the rest start in arrival order as slots free up', async (t) => {
  const slots = new Slots(2)
  let running = 0
  let most = 0
  const started: number[] = []
  const release: (() => void)[] = []
  const jobs = [0, 1, 2, 3, 4].map((id) =>
    slots.run(async () => {
      started.push(id)
      running += 1
      most = Math.max(most, running)
      await new Promise<void>((resolve) => release.push(resolve))
      running -= 1
      return id
    }),
  )
  await new Promise((resolve) => setImmediate(resolve))
  t.same(started, [0, 1], 'two start, three wait')
  while (release.length) {
    release.shift()?.()
    await new Promise((resolve) => setImmediate(resolve))
  }
  t.same(await Promise.all(jobs), [0, 1, 2, 3, 4], 'every job ran and returned its own result')
  t.same(started, [0, 1, 2, 3, 4], 'first come, first served')
  t.equal(most, 2, 'never more than two at once')
})

t.test('a failing job frees its slot', async (t) => {
  const slots = new Slots(1)
  await t.rejects(slots.run(() => Promise.reject(new Error('boom'))))
  t.equal(await slots.run(async () => 'next'), 'next')
})

t.test('one core is left to the event loop, and there is always a slot', async (t) => {
  const { availableParallelism } = await import('node:os')
  t.equal(ARGON2_SLOTS, Math.max(1, availableParallelism() - 1))
})
