import { readFile } from 'node:fs/promises'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

interface CpuProfile {
  nodes: ProfileNode[]
  /** Microseconds on the monotonic clock (CLOCK_MONOTONIC, as process.hrtime in another process). */
  startTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileSummary {
  /** Busy time in the profile (idle excluded), ms. */
  busyMs: number
  byArea: [string, number][]
  byFunction: [string, number][]
}

const SPECIAL = new Set(['(program)', '(garbage collector)', '(idle)', '(root)'])

/** Where a function lives: a package, Latchkey's own code, a Node built-in, or V8. */
function areaOf(frame: ProfileNode['callFrame']): string {
  if (SPECIAL.has(frame.functionName)) return frame.functionName
  const url = frame.url
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg?.[1]) return pkg[1]
  const own = /\/(?:src|dist)\/(.*)$/.exec(url)
  if (own?.[1]) return `latchkey ${own[1]}`
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').replace(/\/.*$/, '')
  return url ? 'other' : '(native / V8 builtins)'
}

function functionLabel(frame: ProfileNode['callFrame']): string {
  if (SPECIAL.has(frame.functionName)) return frame.functionName
  const file = frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(?:src|dist)\//, '')
  return `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : '(native)'}`
}

/**
 * Self time of a V8 `.cpuprofile`, summed by area and by function, counting only
 * samples inside `window` (monotonic microseconds), so start-up is left out.
 */
export async function summarizeProfile(
  file: string,
  window: [number, number] = [0, Number.POSITIVE_INFINITY],
  top = 18,
): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const areas = new Map<string, number>()
  const functions = new Map<string, number>()
  let busy = 0
  let at = profile.startTime
  profile.samples.forEach((id, index) => {
    const frame = byId.get(id)?.callFrame
    const delta = profile.timeDeltas[index] ?? 0
    at += delta
    const ms = delta / 1000
    if (!frame || frame.functionName === '(idle)' || at < window[0] || at > window[1]) return
    busy += ms
    const area = areaOf(frame)
    areas.set(area, (areas.get(area) ?? 0) + ms)
    const label = functionLabel(frame)
    functions.set(label, (functions.get(label) ?? 0) + ms)
  })
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top)
  return { busyMs: busy, byArea: sorted(areas), byFunction: sorted(functions) }
}
