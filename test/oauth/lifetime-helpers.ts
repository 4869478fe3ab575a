import type { ApplicationInput } from '../../src/applications/input.js'
import type { Config } from '../../src/config.js'
import { consentSetup } from '../consent/flow-helpers.js'
import { TestClock } from '../fixtures.js'
import type { Teardown } from '../helper.js'
import { exchangeCode, formPost, obtainCode } from './oauth-helpers.js'

export const REDIRECT = 'https://app.example.com/cb'
export const LIFETIME = 3600

// Within the validation cache's 10-minute safety TTL, so that an expired token is still a cache hit.
export const SHORT_LIFETIME = 120

/** The code flow's start with an application whose tokens live `lifetime` seconds, on a TestClock. */
export async function lifetimeSetup(
  t: Teardown,
  lifetime: ApplicationInput['access_token_lifetime'] = LIFETIME,
  overrides: Partial<Config> = {},
) {
  const clock = new TestClock()
  const { app, database, user, client, browser } = await consentSetup(
    t,
    { redirect_url: REDIRECT, access_token_lifetime: lifetime },
    { now: clock.now, ...overrides },
  )
  const firstTokens = async (accountId = user.studioId) => {
    const code = await obtainCode(browser, client.application, accountId)
    const response = await exchangeCode(app, client, code, REDIRECT)
    if (response.statusCode !== 200) throw new Error(response.body)
    return response.json() as {
      access_token: string
      refresh_token: string
      expires_in: number
      scope: string
    }
  }
  const refresh = (refreshToken: string, extra: Record<string, string> = {}) =>
    formPost(
      app,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra },
      { id: client.application.id, secret: client.clientSecret },
    )
  return { app, database, user, client, browser, clock, firstTokens, refresh }
}
