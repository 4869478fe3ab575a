import t from 'tap'
import { changeScenarios } from './changes.js'
import { postgresInstances, waitFor, warm } from './instances.js'

// Runs against PostgreSQL in both CI runs (see POSTGRES_SERVER_URL in instances.ts);
// the PGlite counterpart is in-process.test.ts.
t.test(
  'a change made through one instance reaches another within 1 s, for every kind (postgres)',
  async (t) => {
    const {
      instances: [changer, observer],
    } = await postgresInstances(t, 2)
    if (!changer || !observer) throw new Error('two instances expected')
    for (const setup of await changeScenarios(changer.app, observer.app)) {
      const scenario = await setup()
      await t.test(scenario.name, async (t) => {
        const warmed = await warm(observer.app, scenario.probe, scenario.cache)
        t.equal(warmed.answer, scenario.before)
        t.ok(warmed.cached, 'the observing instance answers from its cache')
        await scenario.change()
        const seen = await waitFor(observer.app, scenario.probe, scenario.after)
        t.equal(seen.answer, scenario.after)
        t.ok(seen.elapsedMs < 1000, `seen by the other instance after ${seen.elapsedMs.toFixed(1)} ms`)
      })
    }
  },
)
