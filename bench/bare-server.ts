// The reference rows: bare Fastify (no plugins, no logger) on the same Node, the
// same CPU and the same database as Latchkey.
//   GET /constant  a constant JSON body: the ceiling for any endpoint here.
//   GET /answer    a constant with what hot /verify sends: its seven headers besides
//                  Fastify's own and a 284-byte body (what that answer costs by itself).
//   GET /lookup    the bearer token's SHA-256 looked up in tokens.token_hash (one
//                  prepared statement on a pool of 10, as Latchkey's) and nothing
//                  else: the floor for a cache miss.
import { createHash, randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import pg from 'pg'

const port = Number(process.env.PORT ?? 3100)
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 })
const app = Fastify({ logger: false })

app.get('/constant', async () => ({ active: true, hello: 'world' }))

const ANSWER = JSON.stringify({
  active: true,
  token_type: 'Bearer',
  scope: 'publish',
  permission: 'publish',
  token_kind: 'application',
  client_id: '100001',
  app_id: 100001,
  account_id: 200001,
  sub: '1',
  username: 'bench@example.com',
  iat: 1796215190,
  iss: 'http://127.0.0.1:3201',
  token_id: 1,
  authorization_id: 1,
})
app.get('/answer', async (_request, reply) => {
  reply
    .header('x-request-id', randomUUID())
    .header('cache-control', 'no-store')
    .header('x-auth-user-id', '1')
    .header('x-auth-account-id', '200001')
    .header('x-auth-permission', 'publish')
    .header('x-auth-app-id', '100001')
    .header('content-type', 'application/json; charset=utf-8')
  return ANSWER
})

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
