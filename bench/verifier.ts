// `npm run bench -- --verifier`: the verifier library in-process (issue 15.2).
// Throughput of verify() on cached tokens and the heap of 100,000 cached answers,
// against a stand-in Latchkey (node:http: introspection answers every token active,
// the stream says `ready`): these rows measure the library, not the server.
import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import v8 from 'node:v8'
import vm from 'node:vm'
import { generateToken } from '../src/tokens/format.js'
import { createVerifier } from '../src/verifier/index.js'

// A real collection before each heap reading, without --expose-gc on the command line.
v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

let tokenIds = 0
const standIn = http.createServer((req, res) => {
  if (req.url?.startsWith('/token-events')) {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('event: ready\ndata: {"last_event_id":0}\n\n')
    return
  }
  req.resume()
  req.on('end', () => {
    tokenIds += 1
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        active: true,
        token_type: 'Bearer',
        scope: 'publish',
        permission: 'publish',
        token_kind: 'personal',
        app_id: null,
        account_id: 200001,
        sub: '17',
        username: 'ann@example.com',
        iat: 1764400000,
        iss: 'https://auth.example.com',
        token_id: tokenIds,
        authorization_id: null,
      }),
    )
  })
})

export async function runVerifierBench(): Promise<
  { name: string; value: string; target: string; met: boolean }[]
> {
  standIn.listen(0, '127.0.0.1')
  await once(standIn, 'listening')
  const url = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`
  let up!: () => void
  const ready = new Promise<void>((resolve) => (up = resolve))
  const verifier = createVerifier({
    url,
    serviceId: 1,
    serviceSecret: 'lks_bench',
    maxEntries: 100_000,
    onEvent: (name) => name === 'stream_up' && up(),
  })
  await ready

  // Throughput: 1,000 cached tokens, verified round-robin, awaited in batches of 1,000.
  const hot = Array.from({ length: 1_000 }, () => generateToken('personal'))
  for (const token of hot) await verifier.verify(token)
  const rounds = 2_000
  const started = process.hrtime.bigint()
  for (let round = 0; round < rounds; round++) await Promise.all(hot.map((token) => verifier.verify(token)))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const perSecond = Math.round((rounds * hot.length) / seconds)

  // Memory: the heap after caching 100,000 answers, minus before (after a GC each time).
  const tokens = Array.from({ length: 100_000 }, () => generateToken('personal'))
  gc()
  const before = process.memoryUsage().heapUsed
  for (let i = 0; i < tokens.length; i += 500)
    await Promise.all(tokens.slice(i, i + 500).map((t) => verifier.verify(t)))
  tokens.length = 0
  gc()
  const heapMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024
  await verifier.close()
  standIn.closeAllConnections()
  standIn.close()
  return [
    {
      name: 'verify() of cached tokens, one core',
      value: `${perSecond.toLocaleString('en')}/s`,
      target: '≥ 1,000,000/s',
      met: perSecond >= 1_000_000,
    },
    {
      name: 'heap of 100,000 cached answers',
      value: `${heapMb.toFixed(1)} MB (${verifier.size} entries)`,
      target: '(measured)',
      met: true,
    },
  ]
}
