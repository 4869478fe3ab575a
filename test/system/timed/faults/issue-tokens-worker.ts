// Child process for the fault suite: issues tokens in a loop until it is killed.

import { createApiToken } from '../../../../src/api-tokens/service.js'
import { findApplication } from '../../../../src/applications/repo.js'
import { authorizeApplication } from '../../../../src/authorizations/service.js'
import { connectDatabase } from '../../../../src/db/connect.js'

const [url, accountId, userId, applicationId] = process.argv.slice(2)
const database = await connectDatabase({ databaseUrl: url, pgliteDataDir: '' })
const audit = { actorUserId: Number(userId), actorLabel: 'worker', ip: '127.0.0.1', userAgent: 'worker' }
const application = await findApplication(database.db, Number(applicationId))
if (!application) throw new Error('no application')
for (let i = 0; ; i++) {
  await createApiToken(
    database.db,
    {
      accountId: Number(accountId),
      userId: Number(userId),
      name: `t${i}`,
      permission: 'browse',
      expiresAt: null,
    },
    audit,
  )
  await authorizeApplication(
    database.db,
    { application, accountId: Number(accountId), userId: Number(userId) },
    audit,
  )
  process.stdout.write(`${i}\n`)
}
