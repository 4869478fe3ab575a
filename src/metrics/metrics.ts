import { Counter, Registry } from 'prom-client'
import type { InactiveReason } from '../tokens/validator.js'

export type ValidationOutcome = 'active' | InactiveReason | 'insufficient_permission'

/**
 * One registry per app instance (tests build many apps in one process, and
 * prom-client's global registry would refuse the second). Features add their
 * metrics here; `GET /metrics` serialises the registry.
 */
export function createMetrics() {
  const registry = new Registry()
  return {
    registry,
    tokenValidations: new Counter({
      name: 'latchkey_token_validations_total',
      help: 'Token validations by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    logins: new Counter({
      name: 'latchkey_logins_total',
      help: 'Sign-in attempts by result (success, failure, lockout)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
