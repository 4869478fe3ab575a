import t from 'tap'
import { apiClient, personalToken } from '../fixtures.js'
import { build, DATABASE_KIND, seedUser } from '../helper.js'

// RFC 6750 3.1 (CONTRACT 5a, 6): a 403 for too little permission carries
// `WWW-Authenticate: Bearer … error="insufficient_scope", scope="<required>"`; the body is unchanged.

t.test(`403 answers say insufficient_scope and the permission needed (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const user = await seedUser(app, 'admin', { newAccountName: 'Studio' })
  const token = await personalToken(app, user, 'browse')

  const verify = await app.inject({
    method: 'GET',
    url: '/verify?permission=publish',
    headers: { authorization: `Bearer ${token}` },
  })
  t.equal(verify.statusCode, 403)
  t.equal(
    verify.headers['www-authenticate'],
    'Bearer realm="latchkey", error="insufficient_scope", scope="publish"',
    '/verify',
  )
  t.same(verify.json(), {
    statusCode: 403,
    error: 'Insufficient Permission',
    message: 'This needs the publish permission; the token has browse.',
    required: 'publish',
    permission: 'browse',
  })

  const api = await apiClient(app, token)('POST', '/api/v1/applications', { name: 'X', permission: 'browse' })
  t.equal(api.statusCode, 403)
  t.equal(
    api.headers['www-authenticate'],
    'Bearer realm="latchkey", error="insufficient_scope", scope="design"',
    '/api/v1',
  )
  t.equal(api.json().error, 'Insufficient Permission')

  const allowed = await app.inject({
    method: 'GET',
    url: '/verify?permission=browse',
    headers: { authorization: `Bearer ${token}` },
  })
  t.equal(allowed.statusCode, 200)
  t.notOk(allowed.headers['www-authenticate'], 'not on a 200')
})
