import t from 'tap'
import { restartDelayMs } from '../../src/cluster/back-off.js'

t.test('a worker that keeps dying is restarted ever more slowly, up to 30 s', async (t) => {
  t.same([1, 2, 3, 4].map(restartDelayMs), [500, 1000, 2000, 4000], 'doubling from half a second')
  t.equal(restartDelayMs(7), 30_000, 'capped')
  t.equal(restartDelayMs(50), 30_000)
  t.equal(restartDelayMs(0), 500, 'never below the first delay')
})
