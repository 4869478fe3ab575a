import { BadRequestError } from '../errors.js'

/**
 * An account's name, trimmed: 1 to 200 characters. `field` names the input in
 * the 400 (the set-up form calls it account_name, the sub-account form name).
 */
export function validateAccountName(raw: unknown, field = 'name'): string {
  const name = typeof raw === 'string' ? raw.trim() : ''
  if (name.length < 1 || name.length > 200) throw new BadRequestError(`${field} must be 1 to 200 characters`)
  return name
}
