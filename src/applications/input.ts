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
}

/** The checked fields, plus `redirect_url` when it came alone: the service knows the list it changes. */
export interface ValidatedApplicationInput extends ApplicationChanges {
  /** The new first redirect URL ('' removes it); the others stay. */
  firstRedirectUrl?: string
}

export const DESCRIPTION_MAX = 1000

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
  return changes
}
