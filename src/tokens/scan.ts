import type { Dirent } from 'node:fs'
import { lstat, open, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { hashToken, parseAnyToken, TOKEN_PATTERN, tokenHint } from './format.js'

/** What a found token is: an access token by its prefix, or a refresh token. */
export type FoundKind = NonNullable<ReturnType<typeof parseAnyToken>>

/**
 * `latchkey tokens scan` (CONTRACT 11): finds Latchkey tokens in files without
 * any database. A match of TOKEN_PATTERN counts only with a valid checksum, so
 * look-alikes (examples, typos) are not reported. The token itself stays in
 * memory for `--report`; what is printed is its hint and hash.
 */

/** Directories never entered: a repository's object store and installed dependencies (other people's code). */
export const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set(['.git', 'node_modules'])
/** Larger files are skipped (and listed as skipped): tokens live in source, config and logs, not in multi-megabyte blobs. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024
/** A NUL byte in a file's first block marks it binary, as git and grep decide. */
const BINARY_SNIFF_BYTES = 8192

export interface Finding {
  path: string
  line: number
  kind: FoundKind
  hint: string
  tokenHash: string
  /** Only for posting to a leaked-tokens endpoint; never printed. */
  token: string
}

export interface SkippedFile {
  path: string
  reason: 'binary' | 'too large' | 'unreadable'
}

export interface ScanResult {
  findings: Finding[]
  skipped: SkippedFile[]
  filesScanned: number
}

/** The tokens with valid checksums in one text, with their line numbers. */
export function findTokens(text: string): { token: string; kind: FoundKind; line: number }[] {
  const found: { token: string; kind: FoundKind; line: number }[] = []
  let line = 1
  let counted = 0
  for (const match of text.matchAll(new RegExp(TOKEN_PATTERN, 'g'))) {
    const kind = parseAnyToken(match[0])
    if (!kind) continue
    for (let i = counted; i < match.index; i++) if (text.charCodeAt(i) === 10) line++
    counted = match.index
    found.push({ token: match[0], kind, line })
  }
  return found
}

type Read = { text: string } | { skipped: SkippedFile['reason'] }

async function readText(path: string, size: number): Promise<Read> {
  if (size > MAX_FILE_BYTES) return { skipped: 'too large' }
  const handle = await open(path, 'r')
  try {
    const content = await handle.readFile()
    if (content.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return { skipped: 'binary' }
    return { text: content.toString('utf8') }
  } finally {
    await handle.close()
  }
}

/**
 * Scans files and directories (recursively, in name order, without following
 * symbolic links: a link loop cannot trap it and nothing outside the given
 * paths is read). A path that cannot be read is listed as skipped (the command
 * checks the paths it was given beforehand).
 */
export async function scanPaths(paths: readonly string[]): Promise<ScanResult> {
  const result: ScanResult = { findings: [], skipped: [], filesScanned: 0 }
  async function visit(path: string, entry: Dirent | undefined): Promise<void> {
    const stats = await lstat(path).catch(() => undefined)
    if (!stats) {
      result.skipped.push({ path, reason: 'unreadable' })
      return
    }
    if (stats.isDirectory()) {
      if (entry && SKIPPED_DIRECTORIES.has(entry.name)) return
      const entries = await readdir(path, { withFileTypes: true }).catch(() => undefined)
      if (!entries) {
        result.skipped.push({ path, reason: 'unreadable' })
        return
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      for (const child of entries) await visit(join(path, child.name), child)
      return
    }
    if (!stats.isFile()) return
    const read = await readText(path, stats.size).catch((): Read => ({ skipped: 'unreadable' }))
    if ('skipped' in read) {
      result.skipped.push({ path, reason: read.skipped })
      return
    }
    result.filesScanned++
    for (const { token, kind, line } of findTokens(read.text))
      result.findings.push({ path, line, kind, hint: tokenHint(token), tokenHash: hashToken(token), token })
  }
  for (const path of paths) await visit(path, undefined)
  return result
}
