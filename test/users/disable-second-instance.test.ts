import t from 'tap'
import { fromCli } from '../../src/audit/context.js'
import { setUserDisabled } from '../../src/users/disable.js'
import { personalToken } from '../fixtures.js'
import { seedFirstAdmin, seedUser } from '../helper.js'
import { postgresInstances, waitFor, warm } from '../invalidation/instances.js'
import { verify } from '../validation/fixtures.js'

// Two app instances on one PostgreSQL database, each with its own cache and
// LISTEN connection (runs against PostgreSQL in both CI runs, as
// invalidation/two-instances.test.ts does).
t.test(
  'disabling a user makes their token inactive on a second instance within 1 s (postgres)',
  async (t) => {
    const {
      instances: [changer, observer],
    } = await postgresInstances(t, 2)
    if (!changer || !observer) throw new Error('two instances expected')
    const admin = await seedFirstAdmin(changer.app)
    const person = await seedUser(changer.app, 'publish', { accountId: admin.accountId })
    const token = await personalToken(changer.app, person, 'publish')
    const probe = async () => String((await verify(observer.app, token)).statusCode)

    const warmed = await warm(observer.app, probe)
    t.equal(warmed.answer, '200')
    t.ok(warmed.cached, 'the second instance answers from its cache')

    await setUserDisabled(changer.app.db, { email: person.email, disabled: true }, fromCli(new Date()))
    const seen = await waitFor(observer.app, probe, '401')
    t.equal(seen.answer, '401', 'inactive on the second instance')
    t.ok(seen.elapsedMs < 1000, `within 1 s (${seen.elapsedMs.toFixed(1)} ms)`)

    const rewarmed = await warm(observer.app, probe)
    t.equal(rewarmed.answer, '401', 'and it stays inactive')

    await setUserDisabled(changer.app.db, { email: person.email, disabled: false }, fromCli(new Date()))
    const back = await waitFor(observer.app, probe, '200')
    t.equal(back.answer, '200', 'enabling is seen by the second instance too')
    t.ok(back.elapsedMs < 1000, `within 1 s (${back.elapsedMs.toFixed(1)} ms)`)
  },
)
