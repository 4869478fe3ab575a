import { sql } from 'kysely'
import t from 'tap'
import { connectDatabase } from '../../src/db/connect.js'

// The embedded database must behave like PostgreSQL for everything the app does:
// queries, transactions, rollbacks and interleaved callers.
t.test('PGlite through Kysely: queries, transactions, rollback, concurrent callers', async (t) => {
  const database = await connectDatabase({ databaseUrl: undefined, pgliteDataDir: 'memory://' })
  t.teardown(() => database.close())
  const db = database.db
  await sql`CREATE TABLE t (v integer NOT NULL)`.execute(db)

  const { rows } = await sql<{ two: number }>`SELECT 1 + 1 AS two`.execute(db)
  t.equal(rows[0]?.two, 2, 'plain query')

  await db.transaction().execute(async (trx) => {
    await sql`INSERT INTO t VALUES (1)`.execute(trx)
  })
  await t.rejects(
    db.transaction().execute(async (trx) => {
      await sql`INSERT INTO t VALUES (2)`.execute(trx)
      throw new Error('roll back')
    }),
    /roll back/,
  )

  const work: Promise<unknown>[] = []
  for (let i = 10; i < 30; i++) {
    work.push(
      db
        .transaction()
        .execute(async (trx) => {
          await sql`INSERT INTO t VALUES (${i})`.execute(trx)
          await new Promise((resolve) => setTimeout(resolve, i % 3))
          if (i % 2) throw new Error('odd rolls back')
        })
        .catch(() => undefined),
    )
    work.push(sql`INSERT INTO t VALUES (${i + 100})`.execute(db))
  }
  await Promise.all(work)
  const values = (await sql<{ v: number }>`SELECT v FROM t ORDER BY v`.execute(db)).rows.map((r) => r.v)
  const expected = [
    1,
    ...Array.from({ length: 10 }, (_, k) => 10 + 2 * k),
    ...Array.from({ length: 20 }, (_, k) => 110 + k),
  ]
  t.same(values, expected, 'committed work kept, rolled-back work gone, outside callers unaffected')
})

t.test('PGlite persists in its data directory', async (t) => {
  const { mkdtempSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-pglite-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const first = await connectDatabase({ databaseUrl: undefined, pgliteDataDir: dir })
  await sql`CREATE TABLE kept (v text)`.execute(first.db)
  await sql`INSERT INTO kept VALUES ('still here')`.execute(first.db)
  await first.close()
  const second = await connectDatabase({ databaseUrl: undefined, pgliteDataDir: dir })
  t.teardown(() => second.close())
  const { rows } = await sql<{ v: string }>`SELECT v FROM kept`.execute(second.db)
  t.same(rows, [{ v: 'still here' }])
})
