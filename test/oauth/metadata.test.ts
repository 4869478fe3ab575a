import t from 'tap'
import { build, DATABASE_KIND } from '../helper.js'

t.test(`RFC 8414 metadata (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const response = await app.inject({ url: '/.well-known/oauth-authorization-server' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /application\/json/)
  const issuer = 'http://localhost:3000'
  t.same(response.json(), {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['browse', 'design', 'publish', 'admin'],
    authorization_response_iss_parameter_supported: true,
  })
})

t.test('the issuer is PUBLIC_URL', async (t) => {
  const { app } = await build(t, { publicUrl: 'https://auth.example.com' })
  const body = (await app.inject({ url: '/.well-known/oauth-authorization-server' })).json()
  t.equal(body.issuer, 'https://auth.example.com')
  t.equal(body.token_endpoint, 'https://auth.example.com/oauth/token')
})
