// A Fastify service whose routes need a Latchkey token (README: "Validating tokens inside your service").
// Run: LATCHKEY_URL=… LATCHKEY_SERVICE_ID=… LATCHKEY_SERVICE_SECRET=… node server.mjs
import Fastify from 'fastify'
import latchkey from 'latchkey/verifier/fastify'

const app = Fastify()
await app.register(latchkey, {
  url: process.env.LATCHKEY_URL,
  serviceId: process.env.LATCHKEY_SERVICE_ID,
  serviceSecret: process.env.LATCHKEY_SERVICE_SECRET,
})

// Any active token.
app.get('/', async (request) => ({ hello: request.latchkey.username, account: request.latchkey.account_id }))
// At least the publish permission, else 403.
app.post('/publish', { config: { permission: 'publish' } }, async (request) => ({
  published_by: request.latchkey.sub,
}))

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
process.stdout.write(`listening on ${address}\n`)
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => app.close())
