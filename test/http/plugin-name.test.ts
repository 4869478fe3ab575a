import { createRequire } from 'node:module'
import Fastify from 'fastify'
import t from 'tap'
import { named } from '../../src/http/plugin-name.js'
import { build } from '../helper.js'

// Fastify names an unnamed plugin by searching every CommonJS module's exports
// (require.cache): some 12 ms of CPU per app where a test runner fills the cache.
// These count the searches, by the Object.keys call each one starts with.
const moduleCache = createRequire(import.meta.url).cache

async function countSearches(work: () => Promise<unknown>): Promise<number> {
  const keys = Object.keys
  let searches = 0
  Object.keys = ((value: object) => {
    if (value === moduleCache) searches += 1
    return keys(value)
  }) as typeof Object.keys
  try {
    await work()
  } finally {
    Object.keys = keys
  }
  return searches
}

t.test('the whole app is built without Fastify searching the module cache for a name', async (t) => {
  t.equal(await countSearches(() => build(t)), 0)
})

t.test('an unnamed plugin would be searched for; named, it is not', async (t) => {
  const plugin = async function routes() {}
  const plain = Fastify()
  t.teardown(() => plain.close())
  t.ok((await countSearches(async () => plain.register(plugin).ready())) > 0, 'the probe sees the search')

  const again = async function routes() {}
  const app = Fastify()
  t.teardown(() => app.close())
  t.equal(await countSearches(async () => app.register(named(again)).ready()), 0)
  t.match(app.printPlugins(), 'routes', 'and the plugin keeps its name')
})
