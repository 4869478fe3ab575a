/** Times on dashboard pages: UTC, to the minute, so every viewer reads the same value. */
export function displayTime(value: Date | null | undefined): string {
  if (!value) return ''
  return `${value.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}
