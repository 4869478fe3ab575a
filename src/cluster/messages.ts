/**
 * The messages Latchkey's primary process and its workers exchange over the
 * cluster IPC channel (prom-client's own `prom-client:*` messages travel beside them).
 */
export const DRAIN = 'latchkey:drain'
export const METRICS_REQUEST = 'latchkey:metrics-request'
export const METRICS_RESPONSE = 'latchkey:metrics-response'

/** Primary → worker: stop accepting, finish in-flight requests, exit (server.ts's graceful shutdown). */
export interface DrainMessage {
  type: typeof DRAIN
}

/** Worker → primary: the exposition text of every worker's metrics together, please. */
export interface MetricsRequest {
  type: typeof METRICS_REQUEST
  id: number
}

/** Primary → the asking worker: the aggregated text, or why there is none. */
export interface MetricsResponse {
  type: typeof METRICS_RESPONSE
  id: number
  text?: string
  error?: string
}

export function isMessage<T extends { type: string }>(message: unknown, type: T['type']): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type
}
