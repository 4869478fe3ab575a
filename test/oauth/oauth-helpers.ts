import { createHash, randomBytes } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Application } from '../../src/db/schema.js'
import { decide, locationParams, openConsent } from '../consent/flow-helpers.js'
import { basicAuth } from '../fixtures.js'
import type { Browser } from '../helper.js'

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

/** `/oauth/authorize?…` with the usual parameters, overridable (undefined drops one). */
export function authorizeUrl(
  application: Application,
  params: Record<string, string | undefined> = {},
): string {
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: String(application.id),
    redirect_uri: application.redirect_url,
    state: 'st',
    ...params,
  }
  const query = new URLSearchParams()
  for (const [k, v] of Object.entries(all)) if (v !== undefined) query.set(k, v)
  return `/oauth/authorize?${query}`
}

/** Runs login-free consent for the code flow and returns the code from the redirect. */
export async function obtainCode(
  browser: Browser,
  application: Application,
  accountId: number,
  params: Record<string, string | undefined> = {},
): Promise<string> {
  const fields = await openConsent(browser, authorizeUrl(application, params))
  const allowed = await decide(browser, fields, { decision: 'allow', account_id: String(accountId) })
  if (allowed.statusCode !== 303) throw new Error(`consent: ${allowed.statusCode} ${allowed.body}`)
  return String(locationParams(allowed).get('code'))
}

/** POST /oauth/token (or another form endpoint), optionally with HTTP Basic client credentials. */
export function formPost(
  app: FastifyInstance,
  url: string,
  fields: Record<string, string | undefined>,
  basic?: { id: number | string; secret: string },
): Promise<LightMyRequestResponse> {
  const body = new URLSearchParams()
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) body.set(k, v)
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (basic) headers.authorization = basicAuth(basic.id, basic.secret)
  return app.inject({ method: 'POST', url, payload: body.toString(), headers })
}

/** The code exchange (RFC 6749 4.1.3): POST /oauth/token with the code and redirect_uri, the client authenticated with HTTP Basic. */
export function exchangeCode(
  app: FastifyInstance,
  client: { application: Application; clientSecret: string },
  code: string,
  redirectUri: string,
): Promise<LightMyRequestResponse> {
  return formPost(
    app,
    '/oauth/token',
    { grant_type: 'authorization_code', code, redirect_uri: redirectUri },
    { id: client.application.id, secret: client.clientSecret },
  )
}
