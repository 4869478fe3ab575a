import cluster from 'node:cluster'
import type { Config } from '../config.js'
import { startServer } from '../server.js'
import { runPrimary, WORKER_ID_ENV } from './primary.js'

/**
 * `latchkey serve`: with WORKERS=1 one process does everything (server.ts); with
 * more, this same command runs as the primary (cluster/primary.ts) and again in
 * each worker it forks, which serves with its own pool, LISTEN connection and
 * validation cache. Housekeeping runs in worker 1 only (its replacement, if it
 * dies): the sweeps are safe to run concurrently, but N of them would only compete.
 */
export async function serve(config: Config): Promise<void> {
  if (config.workers === 1) {
    await startServer(config)
    return
  }
  if (cluster.isPrimary) {
    await runPrimary(config)
    return
  }
  const workerId = Number(process.env[WORKER_ID_ENV])
  const housekeepingIntervalMs = workerId === 1 ? config.housekeepingIntervalMs : 0
  await startServer({ ...config, housekeepingIntervalMs }, { workerId })
}
