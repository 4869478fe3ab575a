/**
 * Latchkey could not give an answer (unreachable, timed out, or refused the
 * service's credentials): `verify` rejects with this rather than guess, and the
 * plugin and middleware answer 503.
 */
export class VerifierUnavailableError extends Error {
  override readonly name = 'VerifierUnavailableError'
  readonly statusCode = 503
}
