import t from 'tap'
import { me } from '../fixtures.js'
import { DATABASE_KIND } from '../helper.js'
import { cacheLookups, introspect, verify } from '../validation/fixtures.js'
import { SHORT_LIFETIME, lifetimeSetup as setup } from './lifetime-helpers.js'

t.test(
  `expiry is enforced on /verify, introspection and /api/v1, also from the cache (${DATABASE_KIND})`,
  async (t) => {
    const { firstTokens, app, clock, client } = await setup(t, SHORT_LIFETIME)
    const { access_token: token } = await firstTokens()
    t.equal((await verify(app, token)).statusCode, 200)
    const active = await introspect(
      app,
      `Basic ${Buffer.from(`${client.application.id}:${client.clientSecret}`).toString('base64')}`,
      token,
    )
    t.equal(active.json().active, true)
    t.equal(active.json().exp, active.json().iat + SHORT_LIFETIME, 'exp in the answer')
    t.equal((await me(app, token)).statusCode, 200)
    const before = (await cacheLookups(app)).hit ?? 0
    clock.advance(SHORT_LIFETIME + 1)
    t.equal((await verify(app, token)).statusCode, 401, '/verify after the lifetime')
    t.ok(((await cacheLookups(app)).hit ?? 0) > before, 'answered from the cache, still judged expired')
    const inactive = await introspect(
      app,
      `Basic ${Buffer.from(`${client.application.id}:${client.clientSecret}`).toString('base64')}`,
      token,
    )
    t.same(inactive.json(), { active: false })
    t.equal((await me(app, token)).statusCode, 401, '/api/v1 after the lifetime')
  },
)
