import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { ApplicationInput } from '../../src/applications/input.js'
import type { Config } from '../../src/config.js'
import { type SeededApplication, seedApplication } from '../fixtures.js'
import { type Browser, build, loginAs, type Teardown } from '../helper.js'
import { type Chooser, seedChooser } from './people.js'

/** What the consent tests' applications say unless a test says otherwise (through `seedApplication`). */
export const CLIENT_APP = {
  description: 'Publishes your designs to the web.',
  url: 'https://app.example.com',
  redirect_url: 'https://app.example.com/callback',
  permission: 'design',
} as const satisfies ApplicationInput

/** An application registered on the chooser's Studio with CLIENT_APP's fields and `fields`. */
export function seedClient(
  app: FastifyInstance,
  user: Chooser,
  fields: ApplicationInput = {},
): Promise<SeededApplication> {
  return seedApplication(app, { accountId: user.studioId }, { ...CLIENT_APP, ...fields })
}

/**
 * The consent tests' start: the real app, a chooser (`people.ts`), an application
 * registered on the chooser's Studio with CLIENT_APP's fields and `fields`, and
 * the chooser signed in.
 */
export async function consentSetup(
  t: Teardown,
  fields: ApplicationInput = {},
  overrides: Partial<Config> = {},
) {
  const { app, database } = await build(t, overrides)
  const user = await seedChooser(app)
  const client = await seedClient(app, user, fields)
  const browser = await loginAs(app, user)
  return { app, database, user, client, application: client.application, browser }
}

/** Opens an authorization URL, expecting the consent page, and returns its form fields. */
export async function openConsent(browser: Browser, url: string): Promise<Record<string, string>> {
  const page = await browser.get(url)
  if (page.statusCode !== 200)
    throw new Error(`consent page: ${page.statusCode} ${page.headers.location ?? ''}`)
  return consentFields(page.body)
}

/** Submits the consent form as rendered, with changes. */
export function decide(
  browser: Browser,
  fields: Record<string, string>,
  changes: Record<string, string>,
): Promise<LightMyRequestResponse> {
  return browser.post('/authorize', { ...fields, ...changes })
}

/** The query parameters of a redirect's Location. */
export function locationParams(response: LightMyRequestResponse): URLSearchParams {
  return new URL(String(response.headers.location)).searchParams
}

/** The hidden inputs of the consent form on a page. */
export function consentFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {}
  const form = /<form method="post" action="\/(?:authorize|device)">([\s\S]*?)<\/form>/.exec(html)?.[1] ?? ''
  for (const match of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[match[1] as string] = decodeEntities(match[2] as string)
  }
  return fields
}

export function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}
