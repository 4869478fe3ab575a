import cluster from 'node:cluster'
import { AggregatorRegistry, type Registry } from 'prom-client'
import {
  isMessage,
  METRICS_REQUEST,
  METRICS_RESPONSE,
  type MetricsRequest,
  type MetricsResponse,
} from './messages.js'

/**
 * `/metrics` for all workers together (CONTRACT 12). Whichever worker receives the
 * scrape asks the primary; the primary asks every worker for its registries
 * (prom-client's AggregatorRegistry, over IPC) and merges them, each metric by its
 * `aggregator` (see metrics/metrics.ts for which are summed).
 */

/** Primary: answers the workers' metrics requests. */
export function answerMetricsRequests(): void {
  const aggregator = new AggregatorRegistry()
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<MetricsRequest>(message, METRICS_REQUEST)) return
    const reply = (answer: Omit<MetricsResponse, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: METRICS_RESPONSE, id: message.id, ...answer })
    }
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
    )
  })
}

/** Worker: these registries are what this worker contributes when the primary asks. */
export function contributeMetrics(registries: Registry[]): void {
  AggregatorRegistry.setRegistries(registries)
  // Constructing one installs the worker's listener for the primary's requests.
  new AggregatorRegistry()
}

let nextId = 0
const pending = new Map<number, (answer: MetricsResponse) => void>()
let listening = false

/** Worker: the aggregated exposition text of all workers, from the primary. */
export function metricsFromPrimary(timeoutMs: number): Promise<string> {
  if (!listening) {
    listening = true
    process.on('message', (message: unknown) => {
      if (!isMessage<MetricsResponse>(message, METRICS_RESPONSE)) return
      pending.get(message.id)?.(message)
    })
  }
  nextId += 1
  const id = nextId
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id)
      reject(new Error(`the primary process did not answer within ${timeoutMs} ms`))
    }, timeoutMs)
    pending.set(id, (answer) => {
      clearTimeout(timer)
      pending.delete(id)
      if (answer.text !== undefined) resolve(answer.text)
      else reject(new Error(answer.error ?? 'no metrics'))
    })
    const request: MetricsRequest = { type: METRICS_REQUEST, id }
    if (!process.send) return reject(new Error('not a worker process'))
    process.send(request)
  })
}
