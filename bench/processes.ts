import { type ChildProcess, spawn } from 'node:child_process'
import { openSync } from 'node:fs'
import { readFile } from 'node:fs/promises'

export interface Server {
  name: string
  process: ChildProcess
  /** Highest resident set size seen since the last `resetPeakRss()`, in MB. */
  peakRssMb(): number
  resetPeakRss(): void
  /** CPU time (user + system) the process has used so far, in ms (10 ms resolution). */
  cpuMs(): Promise<number>
  stop(): Promise<void>
}

async function rssMb(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) * 10
}

async function waitUntilAnswering(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 180_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}; see ${logFile}`)
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${url} did not answer within 180 s; see ${logFile}`)
}

/** A Node process pinned to `cpu` with taskset; ready once `readyUrl` answers 2xx. RSS is sampled every 200 ms. */
export async function startServer(options: {
  name: string
  /** A CPU number, or a taskset list such as "0,1". */
  cpu: number | string
  nodeArgs: string[]
  env: Record<string, string>
  readyUrl: string
  logFile: string
}): Promise<Server> {
  const log = openSync(options.logFile, 'a')
  const child = spawn('taskset', ['-c', String(options.cpu), process.execPath, ...options.nodeArgs], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', log, log],
  })
  await waitUntilAnswering(options.readyUrl, child, options.logFile)
  let peak = 0
  const pid = child.pid ?? 0
  const sampler = setInterval(() => {
    void rssMb(pid).then((mb) => {
      peak = Math.max(peak, mb)
    })
  }, 200)
  return {
    name: options.name,
    process: child,
    peakRssMb: () => peak,
    resetPeakRss: () => {
      peak = 0
    },
    cpuMs: () => cpuMs(pid),
    async stop() {
      clearInterval(sampler)
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
