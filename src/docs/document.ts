import { buildApp } from '../app.js'
import type { Config } from '../config.js'
import { connectDatabase } from '../db/connect.js'

/**
 * A PostgreSQL address nothing answers on. pg connects lazily, so a pool on it
 * costs nothing until a query runs, and none does while only the routes are read.
 */
const NO_DATABASE = 'postgres://latchkey@127.0.0.1:1/none'

/**
 * The OpenAPI document `GET /docs/openapi.json` serves, without a server or a
 * database (`latchkey openapi`, CONTRACT 12): the app is built and made ready,
 * which registers every route, then closed. The embedded database would take
 * seconds to start and refuse while a server holds it; no query is needed. The
 * LISTEN connection's one refused attempt is all that reaches the network.
 */
export async function openapiDocument(config: Config): Promise<unknown> {
  const database = await connectDatabase({ databaseUrl: NO_DATABASE, pgliteDataDir: '' })
  const app = await buildApp(
    { ...config, databaseUrl: NO_DATABASE, databaseListenUrl: undefined, housekeepingIntervalMs: 0 },
    { database, logger: false, startSigningKeys: false },
  )
  try {
    await app.ready()
    return app.swagger()
  } finally {
    await app.close()
    await database.close()
  }
}
