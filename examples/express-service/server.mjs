// An Express service whose routes need a Latchkey token (README: "Validating tokens inside your service").
// Run: LATCHKEY_URL=… LATCHKEY_SERVICE_ID=… LATCHKEY_SERVICE_SECRET=… node server.mjs
import express from 'express'
import latchkey from 'latchkey/verifier/express'

const options = {
  url: process.env.LATCHKEY_URL,
  serviceId: process.env.LATCHKEY_SERVICE_ID,
  serviceSecret: process.env.LATCHKEY_SERVICE_SECRET,
}
const anyToken = latchkey(options)
const publish = latchkey({ ...options, permission: 'publish' })

const app = express()
app.get('/', anyToken, (req, res) =>
  res.json({ hello: req.latchkey.username, account: req.latchkey.account_id }),
)
app.post('/publish', publish, (req, res) => res.json({ published_by: req.latchkey.sub }))

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`)
})
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    server.close()
    anyToken.close()
    publish.close()
  })
