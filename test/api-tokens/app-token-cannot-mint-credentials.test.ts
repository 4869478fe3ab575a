import t from 'tap'
import { PERSON_ONLY } from '../../src/http/api-scope.js'
import { apiClient, authorize, personalToken, seedApplication } from '../fixtures.js'
import { build, DATABASE_KIND, seedFirstAdmin } from '../helper.js'
import { verify } from '../validation/fixtures.js'

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }
type Document = { paths: Record<string, Record<string, Operation>> }

/** A success answer that carries a secret: a token or a client secret (a string; `/me`'s `token` is an object). */
const CREDENTIAL_FIELDS = ['token', 'client_secret']

/** A valid body for each credential route, so the refusal is not a 400 (a new route must add one). */
const VALID_BODIES: Record<string, unknown> = {
  'post /api/v1/tokens': { name: 'minted by an app', permission: 'browse' },
  'post /api/v1/applications': { name: 'Made by an app', permission: 'browse' },
}

function revealsCredential(operation: Operation): boolean {
  return Object.entries(operation.responses ?? {}).some(([code, response]) => {
    if (!code.startsWith('2')) return false
    const schema = response.content?.['application/json']?.schema as
      | { properties?: Record<string, { type?: string }> }
      | undefined
    return CREDENTIAL_FIELDS.some((field) => schema?.properties?.[field]?.type === 'string')
  })
}

// Issue 11, item 5: an application's admin token minted a personal API token
// that kept working after the application was revoked.
t.test(`an application token cannot create credentials of any kind (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const admin = await seedFirstAdmin(app)
  const registered = await seedApplication(
    app,
    { accountId: admin.accountId },
    { name: 'Greedy', permission: 'admin' },
  )
  const grant = await authorize(app, registered.application, admin)
  t.equal(grant.permission, 'admin', 'the application holds admin on the account')
  const asApplication = apiClient(app, grant.token)
  const asPerson = apiClient(app, await personalToken(app, admin, 'admin'))

  // Every /api/v1 operation whose answer carries a credential, from the route list.
  const document = (await app.inject({ url: '/docs/openapi.json' })).json() as Document
  const credentialRoutes = Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/api/v1'))
    .flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => revealsCredential(operation))
        .map(([method]) => `${method} ${path}`),
    )
  t.same(credentialRoutes.sort(), Object.keys(VALID_BODIES).sort(), 'every credential route has a body here')

  const before = await app.db.selectFrom('tokens').select('id').execute()
  const applicationsBefore = await app.db.selectFrom('applications').select('id').execute()
  for (const route of credentialRoutes) {
    const [method, path] = route.split(' ') as [string, string]
    const refused = await asApplication(method.toUpperCase() as 'POST', path, VALID_BODIES[route])
    t.equal(refused.statusCode, 403, `${route}: refused to the application's token`)
    t.same(
      refused.json(),
      { statusCode: 403, error: 'Forbidden', message: PERSON_ONLY },
      `${route}: says why`,
    )
    t.match(refused.json().message, /a person must do it/)
  }
  t.equal((await app.db.selectFrom('tokens').select('id').execute()).length, before.length, 'no token made')
  t.equal(
    (await app.db.selectFrom('applications').select('id').execute()).length,
    applicationsBefore.length,
    'no application (and no client secret) made',
  )

  // The same calls with the person's own API token still work.
  for (const route of credentialRoutes) {
    const [method, path] = route.split(' ') as [string, string]
    const made = await asPerson(method.toUpperCase() as 'POST', path, VALID_BODIES[route])
    t.equal(made.statusCode, 201, `${route}: a person's API token may`)
  }

  // What the attack wanted: a token that outlives revoking the application.
  const minted = await asApplication('POST', '/api/v1/tokens', { name: 'backdoor', permission: 'admin' })
  t.equal(minted.statusCode, 403)
  t.equal((await asPerson('DELETE', `/api/v1/authorized-apps/${registered.application.id}`)).statusCode, 204)
  t.equal((await verify(app, grant.token)).statusCode, 401, 'the revoked application is out')
  if (minted.statusCode === 201)
    t.equal((await verify(app, minted.json().token)).statusCode, 401, 'and nothing it made lives on')
})
