import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectDatabase } from '../../src/db/connect.js'
import { createEmptyPostgresDatabase, DATABASE_KIND, type Teardown } from '../helper.js'

/** The CLI's configuration: a fresh PostgreSQL database, or a fresh PGlite data directory; `open` opens it here. */
export async function cliEnv(
  t: Teardown,
): Promise<{ env: Record<string, string>; open: () => ReturnType<typeof connectDatabase> }> {
  if (DATABASE_KIND === 'postgres') {
    const url = await createEmptyPostgresDatabase(t)
    return {
      env: { DATABASE_URL: url },
      open: () => connectDatabase({ databaseUrl: url, pgliteDataDir: '' }),
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return {
    env: { DATA_DIR: dir },
    open: () => connectDatabase({ databaseUrl: undefined, pgliteDataDir: join(dir, 'pgdata') }),
  }
}
