import { parseRole } from '../accounts/roles.js'
import { BadRequestError } from '../errors.js'
import type { ApplicationChanges } from './repo.js'
import { validateHomepageUrl, validateRedirectUrl } from './urls.js'

/** What a form or an API body may say about an application; absent means "unchanged" (or empty on create). */
export interface ApplicationInput {
  name?: string
  description?: string
  url?: string
  redirect_url?: string
  permission?: string
  /** Seconds; empty (form) or null (API) means tokens do not expire. */
  access_token_lifetime?: string | number | null
}

export const DESCRIPTION_MAX = 1000

/** Bounds of `access_token_lifetime` (CONTRACT 10): a minute to a year, in seconds. */
export const LIFETIME_MIN_SECONDS = 60
export const LIFETIME_MAX_SECONDS = 365 * 24 * 3600

const LIFETIME_PROBLEM = `access_token_lifetime must be a whole number of seconds from ${LIFETIME_MIN_SECONDS} to ${LIFETIME_MAX_SECONDS}, or empty for tokens that do not expire`

/** Empty or null: tokens do not expire. Digits only in a form, an integer in JSON. */
function parseLifetime(value: string | number | null): number | null {
  if (value === null) return null
  const text = String(value).trim()
  if (text === '') return null
  if (!/^\d{1,9}$/.test(text)) throw new BadRequestError(LIFETIME_PROBLEM)
  const seconds = Number(text)
  if (seconds < LIFETIME_MIN_SECONDS || seconds > LIFETIME_MAX_SECONDS)
    throw new BadRequestError(LIFETIME_PROBLEM)
  return seconds
}

/** Normalises and checks the given fields; throws a 400 whose message names the field. */
export function validateApplicationInput(input: ApplicationInput): ApplicationChanges {
  const changes: ApplicationChanges = {}
  if (input.name !== undefined) {
    const name = input.name.trim()
    if (name.length < 1 || name.length > 100) throw new BadRequestError('name must be 1 to 100 characters')
    changes.name = name
  }
  if (input.description !== undefined) {
    const description = input.description.trim()
    if (description.length > DESCRIPTION_MAX)
      throw new BadRequestError(`description must be at most ${DESCRIPTION_MAX} characters`)
    changes.description = description
  }
  if (input.url !== undefined) changes.url = validateHomepageUrl(input.url, 'url')
  if (input.redirect_url !== undefined)
    changes.redirect_url = validateRedirectUrl(input.redirect_url, 'redirect_url')
  if (input.permission !== undefined) {
    changes.permission = parseRole(input.permission, 'permission')
  }
  if (input.access_token_lifetime !== undefined) {
    changes.access_token_lifetime = parseLifetime(input.access_token_lifetime)
  }
  return changes
}
