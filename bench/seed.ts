import pg from 'pg'
import { connectDatabase } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { sha256Hex } from '../src/security/secrets.js'
import { createService } from '../src/service-credentials/repo.js'
import { generateToken, hashToken, tokenHint } from '../src/tokens/format.js'

export const BENCH_DATABASE = 'latchkey_bench'

export interface Owner {
  accountId: number
  userId: number
  applicationId: number
  authorizationId: number
  /** HTTP Basic header of a service, for /oauth/introspect. */
  serviceBasic: string
}

/** Drops and recreates the bench database on the server, migrates it, returns its URL. */
export async function createBenchDatabase(serverUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${BENCH_DATABASE}`
  const database = await connectDatabase({ databaseUrl: url.href, pgliteDataDir: '' })
  await migrateToLatest(database.db)
  await database.close()
  return url.href
}

/** One admin on one account, an application authorized there, and a service. */
export async function seedOwner(pool: pg.Pool, databaseUrl: string): Promise<Owner> {
  const one = async (text: string, values: unknown[] = []) =>
    (await pool.query(text, values)).rows[0].id as number
  const userId = await one(
    "INSERT INTO users (email, name, password_hash) VALUES ('bench@example.com', 'Bench', 'unused') RETURNING id",
  )
  const accountId = await one("INSERT INTO accounts (name) VALUES ('Bench') RETURNING id")
  await pool.query("INSERT INTO memberships (account_id, user_id, role) VALUES ($1, $2, 'admin')", [
    accountId,
    userId,
  ])
  const applicationId = await one(
    "INSERT INTO applications (account_id, name, permission, client_secret_hash) VALUES ($1, 'Bench App', 'publish', $2) RETURNING id",
    [accountId, sha256Hex('unused')],
  )
  const authorizationId = await one(
    "INSERT INTO authorizations (application_id, account_id, user_id, permission) VALUES ($1, $2, $3, 'publish') RETURNING id",
    [applicationId, accountId, userId],
  )
  const database = await connectDatabase({ databaseUrl, pgliteDataDir: '' })
  const service = await createService(database.db, 'bench gateway')
  await database.close()
  const serviceBasic = `Basic ${Buffer.from(`${service.id}:${service.secret}`).toString('base64')}`
  return { accountId, userId, applicationId, authorizationId, serviceBasic }
}

/** Mints `count` real tokens (half application, half personal), bulk-inserts them, returns them. */
export async function insertKnownTokens(pool: pg.Pool, owner: Owner, count: number): Promise<string[]> {
  const tokens = Array.from({ length: count }, (_, i) => generateToken(i % 2 ? 'personal' : 'application'))
  for (let start = 0; start < tokens.length; start += 20_000) {
    const chunk = tokens.slice(start, start + 20_000)
    await pool.query(
      `INSERT INTO tokens (kind, token_hash, hint, name, account_id, user_id, application_id, authorization_id, permission)
       SELECT CASE WHEN t LIKE 'lka_%' THEN 'application' ELSE 'personal' END, h, hint, 'bench', $4, $5,
              CASE WHEN t LIKE 'lka_%' THEN $6::int END, CASE WHEN t LIKE 'lka_%' THEN $7::int END, 'publish'
       FROM unnest($1::text[], $2::text[], $3::text[]) AS u(t, h, hint)`,
      [
        chunk.map((t) => t.slice(0, 4)),
        chunk.map(hashToken),
        chunk.map(tokenHint),
        owner.accountId,
        owner.userId,
        owner.applicationId,
        owner.authorizationId,
      ],
    )
  }
  return tokens
}

/** Bulk-inserts `count` filler tokens whose raw value nobody knows (INSERT … SELECT generate_series). */
export async function insertFillerTokens(
  pool: pg.Pool,
  owner: Owner,
  from: number,
  count: number,
): Promise<void> {
  await pool.query(
    `INSERT INTO tokens (kind, token_hash, hint, name, account_id, user_id, permission)
     SELECT 'personal', md5('filler-a' || g) || md5('filler-b' || g), 'lkp_…fill', 'filler', $3, $4, 'browse'
     FROM generate_series($1::int, $2::int) AS g`,
    [from, from + count - 1, owner.accountId, owner.userId],
  )
}

export async function tokenCount(pool: pg.Pool): Promise<number> {
  return Number((await pool.query('SELECT count(*) AS n FROM tokens')).rows[0].n)
}

/**
 * Fills the table up to 1 000 000 rows: `rounds` rounds of filler, each followed
 * by 1 000 real tokens, so the real ones are spread through the table. Returns them.
 */
export async function fillToOneMillion(pool: pg.Pool, owner: Owner, rounds: number): Promise<string[]> {
  const spread: string[] = []
  const fillerPerRound = Math.floor((1_000_000 - (await tokenCount(pool)) - rounds * 1000) / rounds)
  let filler = 1
  for (let round = 0; round < rounds; round++) {
    await insertFillerTokens(pool, owner, filler, fillerPerRound)
    filler += fillerPerRound
    spread.push(...(await insertKnownTokens(pool, owner, 1000)))
  }
  const missing = 1_000_000 - (await tokenCount(pool))
  if (missing > 0) await insertFillerTokens(pool, owner, filler, missing)
  return spread
}
