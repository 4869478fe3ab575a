/**
 * How a session signed in, in words: the RFC 8176 `amr` values the sessions store
 * (CONTRACT 9) as the sessions page, the audit log and the consent page show them.
 * A value Latchkey does not know is shown as it is.
 */
const AMR_WORDS: Record<string, string> = {
  pwd: 'password',
  otp: 'authenticator code',
  hwk: 'passkey',
  swk: 'passkey',
}

export function amrLabel(amr: string): string {
  const words = amr
    .split(' ')
    .filter((value) => value !== '')
    .map((value) => (Object.hasOwn(AMR_WORDS, value) ? AMR_WORDS[value] : value))
  return [...new Set(words)].join(' + ')
}
