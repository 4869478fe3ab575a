import t from 'tap'
import { SUPPORTED_GRANT_TYPES } from '../../src/oauth/grants.js'
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
    device_authorization_endpoint: `${issuer}/oauth/device_authorization`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [
      'authorization_code',
      'urn:ietf:params:oauth:grant-type:device_code',
      'refresh_token',
      'client_credentials',
    ],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [
      'browse',
      'design',
      'publish',
      'admin',
      'openid',
      'profile',
      'email',
      'offline_access',
    ],
    authorization_response_iss_parameter_supported: true,
  })
})

t.test('the issuer is PUBLIC_URL', async (t) => {
  const { app } = await build(t, { publicUrl: 'https://auth.example.com' })
  const body = (await app.inject({ url: '/.well-known/oauth-authorization-server' })).json()
  t.equal(body.issuer, 'https://auth.example.com')
  t.equal(body.token_endpoint, 'https://auth.example.com/oauth/token')
})

t.test(`OpenID Connect discovery: every RFC 8414 field plus the provider's (${DATABASE_KIND})`, async (t) => {
  const { app } = await build(t)
  const rfc8414 = (await app.inject({ url: '/.well-known/oauth-authorization-server' })).json()
  const response = await app.inject({ url: '/.well-known/openid-configuration' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['cache-control'], /^public, max-age=/)
  const issuer = 'http://localhost:3000'
  t.same(response.json(), {
    ...rfc8414,
    grant_types_supported: SUPPORTED_GRANT_TYPES,
    jwks_uri: `${issuer}/oauth/jwks`,
    userinfo_endpoint: `${issuer}/oauth/userinfo`,
    device_authorization_endpoint: `${issuer}/oauth/device_authorization`,
    id_token_signing_alg_values_supported: ['ES256'],
    subject_types_supported: ['public'],
    response_types_supported: ['code'],
    claims_supported: [
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'amr',
      'account_id',
      'name',
      'email',
      'email_verified',
    ],
  })
})
