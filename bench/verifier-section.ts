// `npm run bench -- --verifier`: the verifier library's rows (issue 15.5) in their
// section of bench/RESULTS.md: verify() of cached tokens and the heap of 100,000
// cached answers (bench/verifier.ts, in this process), and the time from a
// revocation to the library answering inactive (bench/verifier-revocation.ts).
import os from 'node:os'
import { spliceSection } from './sections.js'
import { log } from './settings.js'
import { runVerifierBench } from './verifier.js'
import { measureRevocationLatency } from './verifier-revocation.js'

export async function runVerifierRows(): Promise<void> {
  const loadBefore = os.loadavg()
  const rows = await runVerifierBench()
  const latency = await measureRevocationLatency()
  rows.push({
    name: 'revocation → verifier answers inactive, over 100 revocations',
    value: `p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, max ${latency.max.toFixed(1)} ms`,
    target: 'p99 < 1,000 ms',
    met: latency.p99 < 1000,
  })
  const load = (values: number[]) => values.map((l) => l.toFixed(2)).join(', ')
  spliceSection(
    'verifier-library',
    `## Verifier library (latchkey/verifier)
Written by \`npm run bench -- --verifier\` (bench/verifier-section.ts), ${new Date().toISOString()}, Node ${process.version}.

Method: \`verify()\` in this process against a stand-in Latchkey (node:http; introspection answers every
token active, the stream says \`ready\`), so the first two rows measure the library, not the server:
1 000 cached tokens verified round-robin in batches of 1 000 for 2 000 rounds; then the heap growth
(\`heapUsed\` after a GC, before and after) of caching 100 000 answers. The third row runs a real Latchkey
(\`node dist/cli.js serve\`, PostgreSQL, production settings) and the library following its
\`/token-events\` stream: each of 100 rounds caches a fresh token in the library, revokes it through
\`DELETE /api/v1/tokens/{id}\`, and asks the library every millisecond until it answers inactive; the
time runs from sending the DELETE. Load average before ${load(loadBefore)}; after ${load(os.loadavg())}.

| row | measured | target | |
|---|---|---|---|
${rows.map((row) => `| ${row.name} | ${row.value} | ${row.target} | ${row.target === '(measured)' ? '–' : row.met ? '**met**' : '**NOT met**'} |`).join('\n')}`,
  )
  for (const row of rows) log(`${row.name}: ${row.value} (${row.met ? 'met' : 'not met'})`)
}
