import t from 'tap'
import { Lru } from '../../src/verifier/lru.js'

t.test('stays within its bound and drops what was not read since it was stored', async (t) => {
  const lru = new Lru<string, number>(3)
  lru.set('a', 1)
  lru.set('b', 2)
  lru.set('c', 3)
  t.equal(lru.get('a'), 1, 'a is read: it gets a second chance')
  lru.set('d', 4)
  t.equal(lru.size, 3)
  t.equal(lru.get('b'), undefined, 'b, the oldest not read, goes first')
  t.same(
    ['a', 'c', 'd'].map((key) => lru.get(key)),
    [1, 3, 4],
  )
  // Every entry was read since it was queued (the queue is c, a, d: a went back when d came):
  // one round unmarks them all, then the first in the queue goes.
  lru.set('e', 5)
  t.equal(lru.size, 3)
  t.equal(lru.get('c'), undefined, 'after a full round, the first in the queue goes')
  t.same(
    ['a', 'd', 'e'].map((key) => lru.get(key)),
    [1, 4, 5],
  )
})

t.test('set replaces, delete and deleteWhere remove, clear empties', async (t) => {
  const lru = new Lru<string, number>(10)
  for (let i = 0; i < 10; i++) lru.set(`k${i}`, i)
  lru.set('k0', 100)
  t.equal(lru.size, 10)
  t.equal(lru.get('k0'), 100)
  lru.delete('k1')
  t.equal(lru.get('k1'), undefined)
  t.equal(
    lru.deleteWhere((value) => value % 2 === 0),
    5,
    'k0 (100), k2, k4, k6, k8',
  )
  t.equal(lru.size, 4)
  lru.clear()
  t.equal(lru.size, 0)
  t.throws(() => new Lru(0), RangeError)
})

t.test('a thousand entries read round-robin under a bound of 500 never exceed it', async (t) => {
  const lru = new Lru<number, number>(500)
  for (let round = 0; round < 3; round++)
    for (let i = 0; i < 1000; i++) {
      if (lru.get(i) === undefined) lru.set(i, i)
      if (lru.size > 500) t.fail(`size ${lru.size}`)
    }
  t.equal(lru.size, 500)
})
