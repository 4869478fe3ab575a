/** A posted form as name/value pairs (formbody gives strings, or arrays of them for a repeated name). */
export type FormFields = Record<string, unknown>

// The CSRF token is not carried over: the confirmation page has a fresh one.
const NOT_CARRIED = new Set(['_csrf'])

/**
 * The original form's fields as hidden inputs of the confirmation page, each value
 * once per repetition, so the confirmed post sends the same form again. Fields
 * named in `drop` (the confirmation's own) are not carried.
 */
export function carriedFields(form: FormFields, drop: readonly string[]): [string, string][] {
  const pairs: [string, string][] = []
  for (const [name, value] of Object.entries(form)) {
    if (NOT_CARRIED.has(name) || drop.includes(name)) continue
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one === 'string' || typeof one === 'number' || typeof one === 'boolean') {
        pairs.push([name, String(one)])
      }
    }
  }
  return pairs
}

/** The form as it was before the confirmation: its fields removed, in place, before the action reads it. */
export function removeFields(form: FormFields, fields: readonly string[]): void {
  for (const name of fields) delete form[name]
}
