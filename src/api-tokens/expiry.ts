import { BadRequestError } from '../errors.js'

const DAY_MS = 86_400_000
/** The longest expiry the API accepts, in days (ten years); "no expiry" is the way to go beyond. */
export const MAX_EXPIRY_DAYS = 3650
/** The choices the Tokens tab offers besides a date and no expiry. */
export const EXPIRY_DAY_CHOICES = [7, 30, 60, 90] as const

/** `YYYY-MM-DD` → that day at 00:00 UTC; the token stops working when that day begins. */
function dateExpiry(raw: string, now: Date): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw.trim())
  const date = match ? new Date(`${raw.trim()}T00:00:00Z`) : undefined
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== raw.trim())
    throw new BadRequestError('expires_on must be a date written YYYY-MM-DD')
  if (date.getTime() <= now.getTime()) throw new BadRequestError('expires_on must be a date in the future')
  if (date.getTime() > now.getTime() + MAX_EXPIRY_DAYS * DAY_MS)
    throw new BadRequestError(`expires_on must be at most ${MAX_EXPIRY_DAYS} days ahead`)
  return date
}

/** API: `expires_in_days` (a whole number of days), or `expires_on` (a date), or neither for no expiry. */
export function apiExpiry(
  input: { expires_in_days?: number | null; expires_on?: string | null },
  now: Date,
): Date | null {
  const days = input.expires_in_days ?? null
  const on = input.expires_on ?? null
  if (days !== null && on !== null)
    throw new BadRequestError('expires_on cannot be combined with expires_in_days')
  if (on !== null) return dateExpiry(on, now)
  if (days === null) return null
  return new Date(now.getTime() + days * DAY_MS)
}

/**
 * The Tokens tab's form: `expires_in_days` is `7`, `30`, `60`, `90`, `never`,
 * or `date` together with `expires_on` (YYYY-MM-DD).
 */
export function formExpiry(input: { expires_in_days?: string; expires_on?: string }, now: Date): Date | null {
  const choice = (input.expires_in_days ?? '').trim()
  const on = (input.expires_on ?? '').trim()
  if (choice === 'date') {
    if (!on) throw new BadRequestError('expires_on is required when the token expires on a date')
    return dateExpiry(on, now)
  }
  if (on) throw new BadRequestError('expires_on is used only with expires_in_days=date ("On a date")')
  if (choice === 'never' || choice === '') return null
  const days = Number(choice)
  if (!(EXPIRY_DAY_CHOICES as readonly number[]).includes(days))
    throw new BadRequestError('expires_in_days must be 7, 30, 60, 90, date or never')
  return new Date(now.getTime() + days * DAY_MS)
}
