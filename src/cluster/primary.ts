import cluster, { type Worker } from 'node:cluster'
import { pino } from 'pino'
import type { Config } from '../config.js'
import { connectDatabase } from '../db/connect.js'
import { migrateDatabase } from '../db/migrate.js'
import { loggerOptions } from '../logging.js'
import { restartDelayMs } from './back-off.js'
import { DRAIN, type DrainMessage } from './messages.js'
import { answerMetricsRequests } from './metrics.js'

/** The environment variable that tells a forked process which worker it is (1 … WORKERS). */
export const WORKER_ID_ENV = 'LATCHKEY_WORKER_ID'

/** Past the workers' own SHUTDOWN_TIMEOUT_SECONDS, the primary waits this much longer before killing them. */
const SHUTDOWN_GRACE_MS = 2000

/** Signals this close together are one signal delivered twice. */
const SAME_SIGNAL_MS = 500

interface Slot {
  id: number
  worker: Worker | undefined
  startedAt: number
  /** Deaths in a row, each soon after its start: the next restart waits longer. */
  failures: number
  restart: NodeJS.Timeout | undefined
  listening: boolean
}

/**
 * The primary process of WORKERS > 1 (CONTRACT 12): migrates once, forks the
 * workers (which share PORT and METRICS_PORT through node:cluster), restarts one
 * that dies unexpectedly after a back-off, gathers their metrics for `/metrics`,
 * and on SIGTERM or SIGINT has every worker drain (server.ts) and exits when all
 * have: 0 if every worker shut down cleanly. A second signal kills them and exits 1.
 * It serves no HTTP itself.
 */
export async function runPrimary(config: Config): Promise<void> {
  const log = pino(loggerOptions(config.logLevel)).child({ role: 'primary' })
  const database = await connectDatabase({
    databaseUrl: config.databaseUrl,
    listenUrl: config.databaseListenUrl,
    pgliteDataDir: `${config.dataDir}/pgdata`,
    poolSize: 1,
    holder: 'the primary process',
  })
  try {
    const { applied } = await migrateDatabase(database)
    if (applied.length) log.info({ applied }, 'migrations applied')
  } finally {
    await database.close()
  }
  answerMetricsRequests()

  const slots = new Map<number, Slot>()
  let stopping = false
  let clean = true

  const fork = (slot: Slot) => {
    slot.restart = undefined
    slot.startedAt = Date.now()
    slot.listening = false
    slot.worker = cluster.fork({ [WORKER_ID_ENV]: String(slot.id) })
    slot.worker.on('listening', () => {
      slot.listening = true
    })
  }
  const slotOf = (worker: Worker) => [...slots.values()].find((s) => s.worker === worker)
  const finishIfDone = () => {
    if (stopping && [...slots.values()].every((s) => !s.worker)) {
      log.info({ clean }, 'all workers have stopped')
      process.exit(clean ? 0 : 1)
    }
  }

  cluster.on('exit', (worker, code, signal) => {
    const slot = slotOf(worker)
    if (!slot) return
    slot.worker = undefined
    if (stopping) {
      if (code !== 0) clean = false
      finishIfDone()
      return
    }
    const lived = Date.now() - slot.startedAt
    slot.failures = lived >= 30_000 ? 1 : slot.failures + 1
    const delay = restartDelayMs(slot.failures)
    log.error(
      { worker: slot.id, code, signal, restartInMs: delay },
      'worker stopped unexpectedly; restarting',
    )
    slot.restart = setTimeout(() => fork(slot), delay)
  })

  let stoppedAt = 0
  const stop = (signal: NodeJS.Signals) => {
    // One signal sent both to this process and to its process group (timeout(1), some
    // supervisors) arrives twice at once: only a later one is an operator insisting.
    if (stopping && Date.now() - stoppedAt < SAME_SIGNAL_MS) return
    if (stopping) {
      log.warn({ signal }, 'second signal while shutting down; killing the workers')
      for (const slot of slots.values()) slot.worker?.process.kill('SIGKILL')
      process.exit(1)
    }
    stopping = true
    stoppedAt = Date.now()
    log.info({ signal, workers: config.workers }, 'shutting down: draining the workers')
    for (const slot of slots.values()) {
      clearTimeout(slot.restart)
      const worker = slot.worker
      if (!worker) continue
      // A worker that listens drains; one still starting has nothing in flight and just stops.
      if (slot.listening && worker.isConnected()) worker.send({ type: DRAIN } satisfies DrainMessage)
      else worker.process.kill('SIGTERM')
    }
    setTimeout(() => {
      log.error('workers did not stop in time; killing them')
      for (const slot of slots.values()) slot.worker?.process.kill('SIGKILL')
      process.exit(1)
    }, config.shutdownTimeoutMs + SHUTDOWN_GRACE_MS).unref()
    finishIfDone()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)

  for (let id = 1; id <= config.workers; id++) {
    const slot: Slot = {
      id,
      worker: undefined,
      startedAt: 0,
      failures: 0,
      restart: undefined,
      listening: false,
    }
    slots.set(id, slot)
    fork(slot)
  }
  log.info({ workers: config.workers }, 'workers started')
}
