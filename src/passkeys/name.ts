import { BadRequestError } from '../errors.js'

const MAX_NAME = 100

/** A passkey's name as its owner gave it: trimmed, 1 to 100 characters (the column's check). */
export function passkeyName(raw: string | undefined): string {
  const name = (raw ?? '').trim()
  if (name.length === 0 || name.length > MAX_NAME) {
    throw new BadRequestError(
      `Give the passkey a name of 1 to ${MAX_NAME} characters, such as "Work laptop".`,
    )
  }
  return name
}
