import t from 'tap'
import { compiledSchemaCount } from '../../src/http/schema-compilers.js'
import { apiClient, personalToken } from '../fixtures.js'
import { build, DATABASE_KIND, seedFirstAdmin } from '../helper.js'

// src/http/schema-compilers.ts: an app built again in the same process reuses the
// compiled validators and serializers, and each app still validates and serializes.
t.test(`a second app compiles no schema again and still validates (${DATABASE_KIND})`, async (t) => {
  await build(t)
  const first = compiledSchemaCount()
  t.ok(
    first.validators > 20 && first.serializers > 20,
    `the routes' schemas were compiled: ${JSON.stringify(first)}`,
  )

  const { app } = await build(t)
  t.same(compiledSchemaCount(), first, 'the second build compiled nothing new')

  const admin = await seedFirstAdmin(app)
  const api = apiClient(app, await personalToken(app, admin, 'admin'))
  const invalid = await api('POST', '/api/v1/applications', { name: '', redirect_urls: 'not a list' })
  t.equal(invalid.statusCode, 400, 'a shared validator still refuses a bad body')
  t.equal(invalid.json().error, 'Bad Request')
  const created = await api('POST', '/api/v1/applications', {
    name: 'Shared',
    permission: 'browse',
    redirect_urls: ['https://shared.example/callback'],
  })
  t.equal(created.statusCode, 201, created.body)
  const listed = await api('GET', '/api/v1/applications')
  t.equal(listed.statusCode, 200)
  const [application] = listed.json().applications
  t.equal(application.name, 'Shared', 'and a shared serializer still writes the fields')
  t.notOk('client_secret_hash' in application, 'and only the schema’s fields')
})
