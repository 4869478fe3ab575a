import { BadRequestError } from '../errors.js'

/** Filters shared by the audit page and `GET /api/v1/audit-events`. */
export interface AuditFilters {
  action?: string
  /** A case-insensitive part of the actor label (an email, "cli", …). */
  actor?: string
  /** Inclusive lower bound. */
  from?: Date
  /** Exclusive upper bound. */
  until?: Date
}

export interface RawAuditFilters {
  action?: string
  actor?: string
  from?: string
  to?: string
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/
const DAY_MS = 86_400_000

/**
 * `from`/`to` take a date (`2026-06-01`, a whole UTC day; `to` includes that
 * day) or an ISO 8601 date-time (`2026-06-01T12:00:00Z`, `to` exclusive).
 */
function parseBound(field: 'from' | 'to', raw: string | undefined): Date | undefined {
  const value = raw?.trim()
  if (!value) return undefined
  const problem = new BadRequestError(`${field} must be a date (YYYY-MM-DD) or an ISO 8601 date-time`)
  const dateOnly = DATE_ONLY.test(value)
  if (!dateOnly && !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw problem
  const parsed = new Date(dateOnly ? `${value}T00:00:00Z` : value)
  if (Number.isNaN(parsed.getTime())) throw problem
  if (dateOnly && parsed.toISOString().slice(0, 10) !== value) throw problem
  return field === 'to' && dateOnly ? new Date(parsed.getTime() + DAY_MS) : parsed
}

export function parseAuditFilters(raw: RawAuditFilters): AuditFilters {
  const action = raw.action?.trim()
  const actor = raw.actor?.trim()
  return {
    action: action ? action.slice(0, 100) : undefined,
    actor: actor ? actor.slice(0, 320) : undefined,
    from: parseBound('from', raw.from),
    until: parseBound('to', raw.to),
  }
}
