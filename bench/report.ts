import type { Measurement } from './load.js'
import type { ProfileSummary } from './profile.js'

export interface Row {
  phase: string
  name: string
  /**
   * Which reference it is, if it is one: the two divisors, or `answer` (bare Fastify
   * sending /verify's headers and body, which shows what that answer itself costs).
   */
  reference?: 'constant' | 'floor' | 'answer'
  /** What the row is compared with for its target. */
  compareWith?: 'constant' | 'floor'
  expected: string
  measurements: (Measurement & { rssMb: number; cpuUsPerRequest: number; passes?: number })[]
}

export interface Machine {
  cpu: string
  cores: number
  memoryGb: number
  node: string
  postgres: string
  loadBefore: number[]
  loadAfter: number[]
  started: Date
  finished: Date
}

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–')
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–')

function reference(
  rows: Row[],
  kind: 'constant' | 'floor',
  phase: string,
  tool: string,
): Measurement | undefined {
  const row =
    rows.find((r) => r.reference === kind && r.phase === phase) ?? rows.find((r) => r.reference === kind)
  return row?.measurements.find((m) => m.tool === tool)
}

function ratio(rows: Row[], row: Row, m: Measurement, kind: 'constant' | 'floor'): number {
  const ref = reference(rows, kind, row.phase, m.tool)
  return ref ? m.requestsPerSecond / ref.requestsPerSecond : Number.NaN
}

export function resultsTable(rows: Row[]): string {
  const lines = [
    '| phase | row | tool | req/s | p50 ms | p99 ms | server RSS max MB | server CPU µs/req | ÷ constant | ÷ floor | requests | unexpected |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ]
  for (const row of rows) {
    for (const m of row.measurements) {
      lines.push(
        `| ${row.phase} | ${row.name}${m.passes ? ` (median of ${m.passes})` : ''} | ${m.tool} | ${f0(m.requestsPerSecond)} | ${f2(m.p50Ms)} | ${f2(m.p99Ms)} | ${f0(m.rssMb)} | ${f0(m.cpuUsPerRequest)} | ${f2(ratio(rows, row, m, 'constant'))} | ${f2(ratio(rows, row, m, 'floor'))} | ${f0(m.requests)} | ${f0(m.unexpected)} |`,
      )
    }
  }
  return lines.join('\n')
}

export interface Target {
  text: string
  met: boolean
  detail: string
}

export function targetLines(targets: Target[]): string {
  return targets.map((t) => `- ${t.met ? '**met**' : '**NOT met**'} — ${t.text}: ${t.detail}`).join('\n')
}

export function ratioOf(rows: Row[], row: Row | undefined, tool: string, kind: 'constant' | 'floor'): number {
  const m = row?.measurements.find((x) => x.tool === tool)
  return row && m ? ratio(rows, row, m, kind) : Number.NaN
}

export function profileSection(summary: ProfileSummary | undefined, what: string): string {
  if (!summary) return '_No profile was taken._'
  const pct = (ms: number) => `${((100 * ms) / summary.busyMs).toFixed(1)} %`
  return [
    `Self time while the server handled ${what} (${f0(summary.busyMs)} ms busy; idle excluded).`,
    '',
    '| where | share |',
    '|---|--:|',
    ...summary.byArea.map(([area, ms]) => `| ${area} | ${pct(ms)} |`),
    '',
    '| function (self time) | share |',
    '|---|--:|',
    ...summary.byFunction.map(([fn, ms]) => `| \`${fn}\` | ${pct(ms)} |`),
  ].join('\n')
}

export function machineLines(machine: Machine): string {
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(', ')
  return [
    `- CPU: ${machine.cpu}, ${machine.cores} cores; ${machine.memoryGb.toFixed(0)} GB RAM`,
    `- Node ${machine.node}; ${machine.postgres}`,
    `- Run: ${machine.started.toISOString()} → ${machine.finished.toISOString()}`,
    `- Load average (1, 5, 15 min) before: ${load(machine.loadBefore)}; after: ${load(machine.loadAfter)}`,
  ].join('\n')
}
