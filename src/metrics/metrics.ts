import { Counter, Gauge, Registry } from 'prom-client'
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
    cacheLookups: new Counter({
      name: 'latchkey_validation_cache_lookups_total',
      help: "Validation cache lookups by cache (token; access: a user's role on an account; caller: introspection credentials) and result (hit, unknown_hit, miss, bypass: not listening for changes)",
      labelNames: ['cache', 'result'] as const,
      registers: [registry],
    }),
    invalidationListening: new Gauge({
      name: 'latchkey_invalidation_listening',
      help: '1 while this instance listens for token changes (and trusts its validation caches), else 0',
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
