import type { LightMyRequestResponse } from 'fastify'
import type { Browser } from '../helper.js'
import type { SoftAuthenticator } from './soft-authenticator.js'

/**
 * A JSON step as passkeys.js sends it: the browser's cookies, the page's CSRF
 * token in `x-csrf-token` (unless `csrf` says otherwise), and the cookies it sets
 * kept (the challenge cookie, a new session).
 */
export async function postJson(
  browser: Browser,
  url: string,
  body: unknown,
  csrf?: string | null,
): Promise<LightMyRequestResponse> {
  const token = csrf === undefined ? await browser.csrfToken() : csrf
  const response = await browser.app.inject({
    method: 'POST',
    url,
    payload: JSON.stringify(body),
    headers: {
      cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      'content-type': 'application/json',
      accept: 'application/json',
      ...(token === null ? {} : { 'x-csrf-token': token }),
    },
  })
  for (const c of response.cookies as { name: string; value: string; maxAge?: number }[]) {
    if (c.value === '' || c.maxAge === 0) browser.cookies.delete(c.name)
    else browser.cookies.set(c.name, c.value)
  }
  return response
}

/** Adds a passkey as the passkeys section does: options, the authenticator, the answer. */
export async function addPasskey(
  browser: Browser,
  authenticator: SoftAuthenticator,
  name = 'Work laptop',
): Promise<LightMyRequestResponse> {
  const options = await postJson(browser, '/settings/profile/passkeys/options', { name })
  if (options.statusCode !== 200) throw new Error(`options: ${options.statusCode} ${options.body}`)
  const response = authenticator.register(options.json().options)
  return postJson(browser, '/settings/profile/passkeys', { name, response })
}

/** "Sign in with a passkey": options (with `next`), the authenticator's assertion, the answer. */
export async function signInWithPasskey(
  browser: Browser,
  authenticator: SoftAuthenticator,
  tweak: Parameters<SoftAuthenticator['assert']>[1] = {},
  next?: string,
): Promise<LightMyRequestResponse> {
  const options = await postJson(browser, '/login/passkey/options', next === undefined ? {} : { next })
  if (options.statusCode !== 200) throw new Error(`options: ${options.statusCode} ${options.body}`)
  return postJson(browser, '/login/passkey', {
    response: authenticator.assert(options.json().options, tweak),
  })
}
