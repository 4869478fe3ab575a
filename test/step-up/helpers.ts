import type { LightMyRequestResponse } from 'fastify'
import { decodeEntities } from '../consent/flow-helpers.js'
import type { Browser } from '../helper.js'

export const STEP_UP_TITLE = 'Confirm it’s you'
/** Past the ten minutes of CONTRACT 9. */
export const AGED_SECONDS = 11 * 60

/** The hidden inputs of the confirmation page's password form (the original form, carried), without the CSRF token. */
export function carriedFields(page: LightMyRequestResponse): Record<string, string> {
  const form =
    /<form method="post" action="[^"]*">(?:(?!<\/form>)[\s\S])*step_up_password[\s\S]*?<\/form>/.exec(
      page.body,
    )?.[0] ?? ''
  const fields: Record<string, string> = {}
  for (const [, name, value] of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    if (name && name !== '_csrf') fields[name] = decodeEntities(value ?? '')
  }
  return fields
}

/** Posts the confirmation page's form back with the password, as the person would. */
export function confirmWithPassword(
  browser: Browser,
  url: string,
  page: LightMyRequestResponse,
  password: string,
): Promise<LightMyRequestResponse> {
  return browser.post(url, { ...carriedFields(page), step_up_password: password })
}

/** The assertion options the confirmation page hands its script (`data-options`), or undefined when it offers no passkey. */
export function passkeyOptionsIn(page: LightMyRequestResponse): { challenge: string } | undefined {
  const attribute = /data-passkey-step-up data-options="([^"]*)"/.exec(page.body)?.[1]
  return attribute === undefined ? undefined : JSON.parse(decodeEntities(attribute))
}
