// The reference rows: bare Fastify (no plugins, no logger) on the same Node, the
// same CPU and the same database as Latchkey.
//   GET /constant  a constant JSON body: the ceiling for any endpoint here.
//   GET /lookup    the bearer token's SHA-256 looked up in tokens.token_hash (one
//                  prepared statement on a pool of 10, as Latchkey's) and nothing
//                  else: the floor for a cache miss.
import { createHash } from 'node:crypto'
import Fastify from 'fastify'
import pg from 'pg'

const port = Number(process.env.PORT ?? 3100)
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 })
const app = Fastify({ logger: false })

app.get('/constant', async () => ({ active: true, hello: 'world' }))

app.get('/lookup', async (request, reply) => {
  const token = (request.headers.authorization ?? '').slice('Bearer '.length)
  const hash = createHash('sha256').update(token).digest('hex')
  const { rows } = await pool.query<{ id: number }>({
    name: 'lookup',
    text: 'SELECT id FROM tokens WHERE token_hash = $1',
    values: [hash],
  })
  const row = rows[0]
  return row ? { active: true, id: row.id } : reply.code(401).send({ active: false })
})

await app.listen({ port, host: '127.0.0.1' })
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0))
})
