import { type RawBuilder, sql } from 'kysely'

/**
 * Common table expressions over the account tree, for `WITH RECURSIVE …`. Nesting
 * is capped at MAX_ACCOUNT_DEPTH when sub-accounts are created; the queries stop
 * at twice that, so a corrupted cycle cannot loop forever.
 */
export const MAX_ACCOUNT_DEPTH = 32

/** `chain (id, parent_id, depth)`: the account itself (depth 0) and its ancestors, nearest first. */
export function ancestorsCte(accountId: number): RawBuilder<unknown> {
  return sql`chain (id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM accounts WHERE id = ${accountId}
    UNION ALL
    SELECT a.id, a.parent_id, c.depth + 1 FROM accounts a JOIN chain c ON a.id = c.parent_id
    WHERE c.depth < 64
  )`
}

/** `tree (id, parent_id, name, created_at, depth, path)`: every descendant of the root (depth 1 = children). */
export function descendantsCte(rootId: number): RawBuilder<unknown> {
  return sql`tree (id, parent_id, name, created_at, depth, path) AS (
    SELECT id, parent_id, name, created_at, 1, ARRAY[id] FROM accounts WHERE parent_id = ${rootId}
    UNION ALL
    SELECT a.id, a.parent_id, a.name, a.created_at, t.depth + 1, t.path || a.id
    FROM accounts a JOIN tree t ON a.parent_id = t.id
    WHERE t.depth < 64
  )`
}
