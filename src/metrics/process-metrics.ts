import { collectDefaultMetrics, Registry } from 'prom-client'

let processRegistry: Registry | undefined

/**
 * Process-wide metrics from prom-client's default collectors: event-loop lag
 * (`nodejs_eventloop_lag_seconds` and its percentiles), heap, GC, CPU, file
 * descriptors. They describe the process, not an app, and each
 * `collectDefaultMetrics` call starts an event-loop monitor and a GC observer
 * that are never stopped, so they are collected once per process (tests build
 * hundreds of apps in one process) rather than once per app registry.
 */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}
