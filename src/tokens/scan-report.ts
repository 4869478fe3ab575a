import { type LeakLabel, type LeakVerdict, MAX_LEAK_REPORT_ITEMS } from './leak-report.js'
import type { Finding } from './scan.js'

/** What `latchkey tokens scan --report` puts in each item's `source`. */
export const SCAN_SOURCE = 'latchkey tokens scan'

/** A report that did not get its answer: the endpoint refused it or could not be reached. */
export class ReportFailedError extends Error {}

/**
 * Posts findings to a `POST /leaked-tokens` endpoint (CONTRACT 11), at most
 * MAX_LEAK_REPORT_ITEMS per request, and answers each finding's label. The same
 * token twice in one file is sent once (the endpoint revokes a token once anyway).
 */
export async function reportFindings(
  endpoint: URL,
  findings: readonly Finding[],
): Promise<Map<Finding, LeakLabel>> {
  const labels = new Map<Finding, LeakLabel>()
  const sent = new Map<string, Finding[]>()
  for (const finding of findings) {
    const key = `${finding.tokenHash} ${finding.path}`
    sent.set(key, [...(sent.get(key) ?? []), finding])
  }
  const groups = [...sent.values()]
  for (let start = 0; start < groups.length; start += MAX_LEAK_REPORT_ITEMS) {
    const batch = groups.slice(start, start + MAX_LEAK_REPORT_ITEMS)
    const body = batch.map(([first]) => ({ token: first?.token, url: first?.path, source: SCAN_SOURCE }))
    const verdicts = await post(endpoint, body)
    batch.forEach((group, i) => {
      const label = verdicts[i]?.label
      if (label) for (const finding of group) labels.set(finding, label)
    })
  }
  return labels
}

async function post(endpoint: URL, body: unknown[]): Promise<LeakVerdict[]> {
  let response: Response
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    })
  } catch (error) {
    throw new ReportFailedError(`could not reach ${endpoint.href}: ${(error as Error).message}`)
  }
  const answer = parseJson(await response.text())
  if (response.status !== 200) {
    const message = String((answer as { message?: unknown } | undefined)?.message ?? '').slice(0, 300)
    throw new ReportFailedError(
      `${endpoint.href} answered ${response.status}${message ? `: ${message}` : ''}`,
    )
  }
  const verdicts = answer
  if (!Array.isArray(verdicts) || verdicts.length !== body.length)
    throw new ReportFailedError(`${endpoint.href} did not answer with one label per token`)
  return verdicts as LeakVerdict[]
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
