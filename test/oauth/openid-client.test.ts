import * as oauth from 'oauth4webapi'
import * as client from 'openid-client'
import t from 'tap'
import { consentFields, seedClient } from '../consent/flow-helpers.js'
import { HttpBrowser, listenOnLoopback } from '../consent/loopback.js'
import { seedChooser } from '../consent/people.js'
import { DATABASE_KIND, PASSWORD } from '../helper.js'

// The whole code flow with PKCE, driven by a real OpenID Connect client library (openid-client v6,
// in its default OIDC mode: discovery, id token validation, CONTRACT 10) against Latchkey listening
// on a loopback port; the user's part over real HTTP too. The public client asks for no openid scope:
// a plain OAuth request answers as before.

const REDIRECT = 'http://127.0.0.1:9/callback'

/** Login and consent as a person would: returns the URL Latchkey sent the browser back to. */
async function userAuthorizes(
  publicUrl: string,
  authorizationUrl: URL,
  email: string,
  accountId: number,
): Promise<URL> {
  const browser = new HttpBrowser(publicUrl)
  const first = await browser.get(authorizationUrl.href)
  if (first.status !== 302 || !first.location?.startsWith('/login?next='))
    throw new Error('expected the login page')
  const loginPage = await browser.get(first.location)
  const csrf = /name="_csrf" value="([^"]+)"/.exec(loginPage.body)?.[1] ?? ''
  const next = /name="next" value="([^"]*)"/.exec(loginPage.body)?.[1]?.replace(/&amp;/g, '&') ?? ''
  const signedIn = await browser.postForm('/login', { _csrf: csrf, email, password: PASSWORD, next })
  if (signedIn.status !== 303 || !signedIn.location) throw new Error(`login: ${signedIn.status}`)
  const consent = await browser.get(signedIn.location)
  if (consent.status !== 200) throw new Error(`consent: ${consent.status}`)
  const allowed = await browser.postForm('/authorize', {
    ...consentFields(consent.body),
    decision: 'allow',
    account_id: String(accountId),
  })
  if (allowed.status !== 303 || !allowed.location) throw new Error(`allow: ${allowed.status} ${allowed.body}`)
  return new URL(allowed.location)
}

/** The RFC 6749 error code a client call failed with (undefined when it did not fail). */
async function oauthErrorOf(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call
    return undefined
  } catch (caught) {
    const failure = caught as { error?: string; response?: Response }
    if (failure.error) return failure.error
    // A 401 reaches openid-client's WWW-Authenticate handling; the body is still RFC 6749 5.2.
    const body = (await failure.response?.json()) as { error?: string } | undefined
    return body?.error ?? String(caught)
  }
}

async function me(publicUrl: string, token: string): Promise<Response> {
  return fetch(`${publicUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })
}

t.test(`openid-client: confidential client (client_secret_basic) with PKCE (${DATABASE_KIND})`, async (t) => {
  const { app, publicUrl } = await listenOnLoopback(t)
  const user = await seedChooser(app)
  const { application, clientSecret: secret } = await seedClient(app, user, {
    redirect_url: REDIRECT,
    permission: 'design',
  })
  const config = await client.discovery(
    new URL(publicUrl),
    String(application.id),
    secret,
    client.ClientSecretBasic(secret),
    { execute: [client.allowInsecureRequests] },
  )
  t.equal(config.serverMetadata().issuer, publicUrl, 'discovered from /.well-known/openid-configuration')
  t.equal(config.serverMetadata().jwks_uri, `${publicUrl}/oauth/jwks`)

  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid profile email design',
    nonce,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  })
  t.equal(authorizationUrl.origin + authorizationUrl.pathname, `${publicUrl}/oauth/authorize`)
  const callback = await userAuthorizes(publicUrl, authorizationUrl, user.email, user.studioKidsId)
  t.equal(callback.searchParams.get('iss'), publicUrl, 'RFC 9207 iss (the library checks it too)')

  // OpenID Connect mode: the library checks the id token's signature (JWKS), iss, aud, exp, iat and nonce.
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  })
  t.match(tokens.access_token, /^lka_/)
  t.equal(tokens.token_type, 'bearer', 'Bearer (the library lower-cases it)')
  t.equal(tokens.scope, 'design openid profile email')
  t.equal(tokens.account_id, user.studioKidsId)
  const claims = tokens.claims()
  t.equal(claims?.sub, String(user.userId))
  t.equal(claims?.aud, String(application.id))
  t.equal(claims?.nonce, nonce)
  t.equal(claims?.email, user.email)
  t.equal(claims?.account_id, user.studioKidsId)
  const info = await client.fetchUserInfo(config, tokens.access_token, String(user.userId))
  t.equal(info.email, user.email, 'userinfo, its sub checked against the id token by the library')
  t.equal(info.email_verified, true)

  const resource = await client.fetchProtectedResource(
    config,
    tokens.access_token,
    new URL(`${publicUrl}/api/v1/me`),
    'GET',
  )
  t.equal(resource.status, 200, 'the token works against the API')
  t.equal(((await resource.json()) as { account: { id: number } }).account.id, user.studioKidsId)

  t.equal(
    await oauthErrorOf(
      client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }),
    ),
    'invalid_grant',
    'the same code a second time fails',
  )
  t.equal((await me(publicUrl, tokens.access_token)).status, 401, 'and revoked the first token')

  const fresh = client.randomPKCECodeVerifier()
  const again = await userAuthorizes(
    publicUrl,
    client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      state,
      code_challenge: await client.calculatePKCECodeChallenge(fresh),
      code_challenge_method: 'S256',
    }),
    user.email,
    user.studioId,
  )
  const second = await client.authorizationCodeGrant(config, again, {
    pkceCodeVerifier: fresh,
    expectedState: state,
  })
  t.equal((await me(publicUrl, second.access_token)).status, 200)
  await client.tokenRevocation(config, second.access_token)
  t.equal((await me(publicUrl, second.access_token)).status, 401, 'revoked through /oauth/revoke')
})

t.test(`openid-client: public client (none) with PKCE (${DATABASE_KIND})`, async (t) => {
  const { app, publicUrl } = await listenOnLoopback(t)
  const user = await seedChooser(app)
  const { application } = await seedClient(app, user, { redirect_url: REDIRECT, permission: 'design' })
  const config = await client.discovery(
    new URL(publicUrl),
    String(application.id),
    undefined,
    client.None(),
    { execute: [client.allowInsecureRequests] },
  )
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const callback = await userAuthorizes(
    publicUrl,
    client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'browse',
      state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }),
    user.email,
    user.archiveId,
  )
  t.equal(
    await oauthErrorOf(
      client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: client.randomPKCECodeVerifier(),
        expectedState: state,
      }),
    ),
    'invalid_grant',
    'a wrong code_verifier is refused',
  )
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  })
  t.equal(tokens.scope, 'browse', 'a lower scope than the application asks for')
  t.equal(tokens.account_id, user.archiveId, 'so the browse account could be chosen')
  const response = await me(publicUrl, tokens.access_token)
  t.equal(response.status, 200)
  t.equal(((await response.json()) as { permission: string }).permission, 'browse')
  t.equal(
    await oauthErrorOf(client.tokenRevocation(config, tokens.access_token)),
    'invalid_client',
    'revocation needs the client secret',
  )
})

t.test(
  `oauth4webapi: OpenID Connect code flow, id token validated by the library (${DATABASE_KIND})`,
  async (t) => {
    const { app, publicUrl } = await listenOnLoopback(t)
    const user = await seedChooser(app)
    const { application, clientSecret } = await seedClient(app, user, {
      redirect_url: REDIRECT,
      permission: 'design',
    })
    const issuer = new URL(publicUrl)
    const insecure = { [oauth.allowInsecureRequests]: true }
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    )
    t.same(as.id_token_signing_alg_values_supported, ['ES256'])
    const c: oauth.Client = { client_id: String(application.id) }
    const verifier = oauth.generateRandomCodeVerifier()
    const nonce = oauth.generateRandomNonce()
    const state = oauth.generateRandomState()
    const url = new URL(String(as.authorization_endpoint))
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: c.client_id,
      redirect_uri: REDIRECT,
      scope: 'openid email',
      nonce,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }))
      url.searchParams.set(name, value)
    const callback = await userAuthorizes(publicUrl, url, user.email, user.studioId)
    const params = oauth.validateAuthResponse(as, c, callback, state)
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      c,
      oauth.ClientSecretBasic(clientSecret),
      params,
      REDIRECT,
      verifier,
      insecure,
    )
    const result = await oauth.processAuthorizationCodeResponse(as, c, response, {
      expectedNonce: nonce,
      requireIdToken: true,
    })
    const claims = oauth.getValidatedIdTokenClaims(result)
    t.equal(claims?.sub, String(user.userId))
    t.equal(claims?.email, user.email)
    t.equal(claims?.account_id, user.studioId)
    t.same(claims?.amr, ['pwd'])
    const info = await oauth.processUserInfoResponse(
      as,
      c,
      String(user.userId),
      await oauth.userInfoRequest(as, c, result.access_token, insecure),
    )
    t.same(info, {
      sub: String(user.userId),
      account_id: user.studioId,
      email: user.email,
      email_verified: true,
    })
  },
)
