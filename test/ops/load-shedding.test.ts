import t from 'tap'
import { SHED_RETRY_AFTER_SECONDS } from '../../src/http/load-shedding.js'
import { build, DATABASE_KIND } from '../helper.js'

/** Blocks this process's event loop, as a storm of synchronous work would. */
function stallEventLoop(ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end) {
    // busy: nothing else runs
  }
}

/** Resolves once `test` holds, checked on every turn of the event loop (it waits for under-pressure's sample). */
async function until(test: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  do {
    // First let the timers that fell due (the sample, the arming) run.
    await new Promise((resolve) => setTimeout(resolve, 5))
    if (Date.now() > deadline) throw new Error('condition not reached')
  } while (!test())
}

/*
 * The stall is injected in the test process itself, where the app runs (app.inject):
 * no test-only route. The sample is shortened to 200 ms (BuildOptions.pressureSampleIntervalMs)
 * and the threshold to 20 ms, so that one 1.2 s stall raises the sample's mean delay
 * above it (a sample holds at most 20 ten-millisecond ticks besides the stall); the stall
 * also outlasts the two samples after start-up during which nothing is shed.
 */
t.test(`a stalled event loop sheds requests with 503 and Retry-After (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t, { maxEventLoopDelayMs: 20 }, { pressureSampleIntervalMs: 200 })
  // Booting the app (and other suites on this machine) may stall the loop too: wait for a calm sample.
  await until(() => !app.isUnderPressure())
  t.equal((await app.inject({ url: '/api/v1/me' })).statusCode, 401, 'served normally before')

  stallEventLoop(1200)
  await until(() => app.isUnderPressure())

  const shed = await app.inject({ url: '/verify', headers: { authorization: 'Bearer lkp_whatever' } })
  t.equal(shed.statusCode, 503, '/verify is shed')
  t.equal(shed.headers['retry-after'], String(SHED_RETRY_AFTER_SECONDS), 'with Retry-After')
  t.same(
    shed.json(),
    {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The server is overloaded; try again shortly.',
    },
    'in the JSON error shape',
  )
  const api = await app.inject({ url: '/api/v1/me' })
  t.equal(api.statusCode, 503, 'the API is shed')
  t.equal(api.json().error, 'Service Unavailable')
  const page = await app.inject({ url: '/login', headers: { accept: 'text/html' } })
  t.equal(page.statusCode, 503, 'pages are shed')
  t.match(page.headers['content-type'], /^text\/html/, 'with the error page')
  t.match(page.body, 'The server is overloaded; try again shortly.')
  t.equal(page.headers['retry-after'], String(SHED_RETRY_AFTER_SECONDS))
  const health = await app.inject({ url: '/healthz' })
  t.equal(health.statusCode, 200, '/healthz is exempt: the process is alive')
  t.equal((await app.inject({ url: '/metrics' })).statusCode, 200, '/metrics is exempt')

  await until(() => !app.isUnderPressure())
  t.equal(
    (await app.inject({ url: '/api/v1/me' })).statusCode,
    401,
    'served normally once the loop runs freely',
  )
})

t.test('MAX_EVENT_LOOP_DELAY_MS=0 turns load shedding off', async (t) => {
  const { app } = await build(t, { maxEventLoopDelayMs: 0 })
  t.equal(typeof app.isUnderPressure, 'undefined', 'under-pressure is not registered')
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
})
