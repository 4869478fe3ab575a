import { parseRole } from '../accounts/roles.js'
import { BadRequestError } from '../errors.js'
import type { ApplicationChanges } from './repo.js'
import { validateHomepageUrl, validateRedirectUrl, validateRedirectUrls } from './urls.js'

/** What a form or an API body may say about an application; absent means "unchanged" (or empty on create). */
export interface ApplicationInput {
  name?: string
  description?: string
  url?: string
  /** The first redirect URL (CONTRACT 10: kept for clients that know one). */
  redirect_url?: string
  redirect_urls?: string[]
  permission?: string
  /** Seconds; empty (form) or null (API) means tokens do not expire. */
  access_token_lifetime?: string | number | null
}

/** The checked fields, plus `redirect_url` when it came alone: the service knows the list it changes. */
export interface ValidatedApplicationInput extends ApplicationChanges {
  /** The new first redirect URL ('' removes it); the others stay. */
  firstRedirectUrl?: string
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
export function validateApplicationInput(input: ApplicationInput): ValidatedApplicationInput {
  const changes: ValidatedApplicationInput = {}
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
  const first =
    input.redirect_url === undefined ? undefined : validateRedirectUrl(input.redirect_url, 'redirect_url')
  if (input.redirect_urls !== undefined) {
    changes.redirect_urls = validateRedirectUrls(input.redirect_urls, 'redirect_urls')
    if (first !== undefined && first !== (changes.redirect_urls[0] ?? ''))
      throw new BadRequestError('redirect_url must be the first of redirect_urls when both are given')
  } else if (first !== undefined) {
    changes.firstRedirectUrl = first
  }
  if (input.permission !== undefined) {
    changes.permission = parseRole(input.permission, 'permission')
  }
  if (input.access_token_lifetime !== undefined) {
    changes.access_token_lifetime = parseLifetime(input.access_token_lifetime)
  }
  return changes
}
