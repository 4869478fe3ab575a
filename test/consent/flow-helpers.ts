import type { LightMyRequestResponse } from 'fastify'
import type { Browser } from '../helper.js'
import { consentFields } from './factory.js'

/** A clock the tests move instead of sleeping. */
export class TestClock {
  private offsetMs = 0
  readonly now = (): Date => new Date(Date.now() + this.offsetMs)
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000
  }
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
