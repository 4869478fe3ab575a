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
}

export const DESCRIPTION_MAX = 1000

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
  return changes
}
