import type { RouteOptions } from 'fastify'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { apiScope } from '../../src/http/api-scope.js'
import { pageScope } from '../../src/http/page-scope.js'
import { DATABASE_KIND, freshDatabase, testConfig } from '../helper.js'

type Operation = { responses?: Record<string, unknown>; tags?: string[]; security?: unknown[] }
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> }

/** Fastify's `/a/:id` is OpenAPI's `/a/{id}`. */
const openapiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}')

/** The routes the OpenAPI document must cover (CONTRACT sections 4b, 5 and 6). */
const mustBeDocumented = (url: string) =>
  url.startsWith('/api/v1') || url.startsWith('/oauth/') || url === '/verify'

t.test(`every /api/v1, /oauth/* and /verify route is in /docs/openapi.json (${DATABASE_KIND})`, async (t) => {
  const { database } = await freshDatabase(t)
  const routes: RouteOptions[] = []
  // Collected while the app registers them, so routes added by any feature are checked too.
  const app = await buildApp(testConfig(), {
    database,
    logger: false,
    onRoute: (route) => routes.push(route),
  })
  t.teardown(() => app.close())
  await app.ready()

  const response = await app.inject({ url: '/docs/openapi.json' })
  t.equal(response.statusCode, 200)
  const document = response.json() as Document
  t.equal(document.openapi, '3.1.0')

  const required = routes
    .filter((r) => mustBeDocumented(r.url))
    .flatMap((r) => ([] as string[]).concat(r.method).map((method) => ({ method, url: r.url })))
    .filter((r) => r.method !== 'HEAD')
  t.ok(
    required.some((r) => r.url === '/api/v1/me'),
    'the enumeration sees the API routes',
  )
  const missing = required.filter((r) => !document.paths[openapiPath(r.url)]?.[r.method.toLowerCase()])
  t.same(missing, [], 'no route is missing from the document')

  const withoutErrors = required.filter((r) => {
    const operation = document.paths[openapiPath(r.url)]?.[r.method.toLowerCase()]
    return !Object.keys(operation?.responses ?? {}).some((code) => /^4\d\d$/.test(code))
  })
  t.same(withoutErrors, [], 'every documented operation lists its error responses')

  const me = document.paths['/api/v1/me']?.get
  t.ok(me?.responses?.['200'] && me.responses['401'], '/api/v1/me documents 200 and 401')
  t.same(me?.security, [{ bearerToken: [] }, { tokenHeader: [] }], 'and how its token is sent')
  for (const path of ['/healthz', '/readyz', '/metrics'])
    t.ok(document.paths[path]?.get, `${path} is documented`)
  t.notOk(document.paths['/login'], 'HTML pages are left out')
})

t.test('routes a feature adds later are documented too, pages under /oauth/ included', async (t) => {
  const { database } = await freshDatabase(t)
  const app = await buildApp(testConfig(), { database, logger: false })
  t.teardown(() => app.close())
  await app.register(
    pageScope([
      async (scope) => {
        scope.get('/oauth/example-consent', async () => 'page')
      },
    ]),
  )
  await app.register(
    apiScope([
      async (scope) => {
        scope.delete('/api/v1/examples/:id', async () => ({}))
      },
    ]),
  )
  await app.ready()
  const document = (await app.inject({ url: '/docs/openapi.json' })).json() as Document
  const page = document.paths['/oauth/example-consent']?.get
  t.ok(page, 'a page-style /oauth route is documented')
  t.ok(page?.responses?.['400'], 'with its error answer')
  const bare = document.paths['/api/v1/examples/{id}']?.delete
  t.ok(
    bare?.responses?.['401'] && bare.responses['400'],
    'an API route without response schemas gets 400 and 401',
  )
})

t.test('/docs is a browsable page built from the document, with no external script', async (t) => {
  const { database } = await freshDatabase(t)
  const app = await buildApp(testConfig(), { database, logger: false })
  t.teardown(() => app.close())
  const page = await app.inject({ url: '/docs' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, '<code>/api/v1/me</code>')
  t.match(page.body, 'href="/docs/openapi.json"')
  t.notMatch(page.body, /<script[^>]+src="https?:/, 'nothing from a CDN')
  t.match(page.headers['content-security-policy'], "script-src 'self'")
})
