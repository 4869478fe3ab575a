import { AggregatorRegistry, Histogram, Registry } from 'prom-client'
import t from 'tap'
import { TalliedHistogram } from '../../src/metrics/tallied-histogram.js'

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
const LABEL_NAMES = ['method', 'route', 'status'] as const
type Labels = Record<(typeof LABEL_NAMES)[number], string>

/** The same histogram twice: prom-client's and ours, each in a registry of its own. */
function pair() {
  const config = {
    name: 'test_duration_seconds',
    help: 'Durations',
    labelNames: LABEL_NAMES,
    buckets: BUCKETS,
  }
  const theirs = new Registry()
  const ours = new Registry()
  return {
    theirs,
    ours,
    reference: new Histogram({ ...config, registers: [theirs] }),
    tallied: new TalliedHistogram({ ...config, registers: [ours] }),
  }
}

/** Observations on every bucket's edge, inside each bucket, above the last, and at zero. */
function observations(): [Labels, number][] {
  const verify = { method: 'GET', route: '/verify', status: '200' }
  const denied = { method: 'GET', route: '/verify', status: '401' }
  const values = [0, ...BUCKETS, ...BUCKETS.map((b) => b * 0.7), 7.5, 1e-9, 0.0001234]
  return values.flatMap((value, i): [Labels, number][] => [
    [verify, value],
    [i % 3 ? denied : verify, value * 1.01],
  ])
}

t.test('shows exactly what prom-client would, as text and as JSON', async (t) => {
  const { theirs, ours, reference, tallied } = pair()
  for (const [labels, value] of observations()) {
    reference.observe(labels, value)
    tallied.observe(labels, value)
  }
  t.equal(await ours.metrics(), await theirs.metrics(), 'the exposition text')
  t.strictSame(
    JSON.parse(JSON.stringify(await ours.getMetricsAsJSON())),
    JSON.parse(JSON.stringify(await theirs.getMetricsAsJSON())),
    'getMetricsAsJSON (what cluster workers send the primary)',
  )
  t.match(
    await ours.metrics(),
    /test_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/verify",status="200"\} \d+/,
  )
})

t.test('label objects with the same values are one series', async (t) => {
  const { theirs, ours, reference, tallied } = pair()
  const a = Object.freeze({ method: 'GET', route: '/verify', status: '200' })
  const b = Object.freeze({ status: '200', route: '/verify', method: 'GET' })
  for (const labels of [a, b, a]) {
    reference.observe(labels, 0.002)
    tallied.observe(labels, 0.002)
  }
  const text = await ours.metrics()
  t.equal(text, await theirs.metrics())
  t.equal(text.match(/_count\{/g)?.length, 1, 'one series')
  t.match(text, /test_duration_seconds_count\{method="GET",route="\/verify",status="200"\} 3/)
})

t.test('merged across workers as prom-client merges its own', async (t) => {
  const workers = [pair(), pair()]
  for (const [n, worker] of workers.entries()) {
    for (const [labels, value] of observations().slice(n * 5)) {
      worker.reference.observe(labels, value)
      worker.tallied.observe(labels, value)
    }
  }
  const merged = async (side: 'theirs' | 'ours') =>
    AggregatorRegistry.aggregate(await Promise.all(workers.map((w) => w[side].getMetricsAsJSON()))).metrics()
  t.equal(await merged('ours'), await merged('theirs'))
})

t.test('reset empties it; bad input is refused as prom-client refuses it', async (t) => {
  const { ours, tallied } = pair()
  tallied.observe({ method: 'GET', route: '/verify', status: '200' }, 0.01)
  tallied.reset()
  t.notMatch(await ours.metrics(), /_count/)
  t.throws(() => tallied.observe({ method: 'GET', route: '/verify', status: '200' }, Number.NaN), TypeError)
  t.throws(
    () => tallied.observe({ method: 'GET', route: '/verify', status: '200', colour: 'red' } as Labels, 0.01),
    /unknown label colour/,
  )
  t.throws(
    () =>
      new TalliedHistogram({
        name: 'test_duration_seconds',
        help: 'again',
        labelNames: [],
        buckets: [1],
        registers: [ours],
      }),
    /already been registered/,
  )
})
