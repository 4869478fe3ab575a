import type { Teardown } from '../helper.js'
import { openServerDatabase, serverDatabaseEnv } from '../system/server-process.js'

/** The CLI's configuration (a database of its own: migrated, or `empty`); `open` opens that database here. */
export async function cliEnv(
  t: Teardown,
  options: { empty?: boolean } = {},
): Promise<{ env: Record<string, string>; open: () => ReturnType<typeof openServerDatabase> }> {
  const env = await serverDatabaseEnv(t, options)
  return { env, open: () => openServerDatabase(env) }
}
