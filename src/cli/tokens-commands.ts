import { stat } from 'node:fs/promises'
import { fromCli } from '../audit/context.js'
import type { LeakLabel } from '../tokens/leak-report.js'
import { revokeTokenByOperator } from '../tokens/revoke-by-operator.js'
import { type Finding, MAX_FILE_BYTES, SKIPPED_DIRECTORIES, scanPaths } from '../tokens/scan.js'
import { ReportFailedError, reportFindings, SCAN_SOURCE } from '../tokens/scan-report.js'
import { type Command, idOf, UsageError, withDatabase } from './command.js'

export const tokensRevokeCommand: Command = {
  name: 'tokens revoke',
  synopsis: '<id>',
  summary: 'revoke an API token or an application token by its id',
  details: [
    "Recorded in the token's account's audit log as done by the cli; every instance stops",
    'accepting the token within a second. An unknown id exits 1; an already revoked token changes nothing.',
    '--json prints {"id":…,"kind":…,"account_id":…,"changed":…}.',
  ],
  args: 1,
  async run({ args, config, out }) {
    const id = idOf(args[0], 'the token id')
    const outcome = await withDatabase(config, 'tokens revoke', (database) =>
      revokeTokenByOperator(database.db, id, config.now(), fromCli(config.now())),
    )
    const what = `${outcome.kind === 'personal' ? 'API token' : 'application token'} ${id} of account ${outcome.accountId}`
    out(
      { id, kind: outcome.kind, account_id: outcome.accountId, changed: outcome.changed },
      outcome.changed ? `${what} revoked` : `${what} was already revoked`,
    )
    return 0
  },
}

/** `tokens scan`'s exit codes besides 0 (nothing found) and 2 (usage): like other secret scanners, finding is failing. */
export const SCAN_FOUND = 1
export const SCAN_REPORT_FAILED = 3

function reportUrlOf(raw: string | undefined): URL | undefined {
  if (raw === undefined) return undefined
  const url = URL.canParse(raw) ? new URL(raw) : undefined
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new UsageError(
      `--report needs an http(s) URL such as https://auth.example.com/leaked-tokens; got "${raw}"`,
    )
  return url
}

const findingJson = (finding: Finding, label: LeakLabel | undefined) => ({
  path: finding.path,
  line: finding.line,
  kind: finding.kind,
  hint: finding.hint,
  token_hash: finding.tokenHash,
  ...(label ? { label } : {}),
})

export const tokensScanCommand: Command = {
  name: 'tokens scan',
  synopsis: 'PATH… [--report URL]',
  summary: 'find Latchkey tokens with valid checksums in files (no database needed)',
  details: [
    `Walks files and directories (not ${[...SKIPPED_DIRECTORIES].join(' or ')}; no symbolic links; binary files and`,
    `files over ${MAX_FILE_BYTES / 1024 / 1024} MiB are skipped) and prints path:line and the hint of each token, never the token.`,
    'Reads no configuration and opens no database.',
    `--report URL posts what it found to a POST /leaked-tokens endpoint (source "${SCAN_SOURCE}",`,
    'url the file path), which revokes the real ones, and prints each label (true_positive or false_positive).',
    'Exit 0: nothing found; 1: tokens found (and reported); 2: usage error or a PATH that does not exist;',
    '3: tokens found but the report failed.',
    '--json prints {"findings":[{"path","line","kind","hint","token_hash","label"?}],"skipped":[{"path","reason"}],"files_scanned":N}.',
  ],
  options: ['report'],
  args: 1,
  variadic: true,
  withoutConfig: true,
  async run({ args, options, json, io }) {
    const endpoint = reportUrlOf(options.report)
    for (const path of args)
      if (!(await stat(path).catch(() => undefined)))
        throw new UsageError(`no such file or directory: ${path}`)
    const { findings, skipped, filesScanned } = await scanPaths(args)
    let labels = new Map<Finding, LeakLabel>()
    let failure: string | undefined
    if (endpoint && findings.length > 0) {
      try {
        labels = await reportFindings(endpoint, findings)
      } catch (error) {
        if (!(error instanceof ReportFailedError)) throw error
        failure = error.message
      }
    }
    if (json) {
      const body = {
        findings: findings.map((finding) => findingJson(finding, labels.get(finding))),
        skipped,
        files_scanned: filesScanned,
      }
      io.stdout(`${JSON.stringify(body)}\n`)
    } else {
      for (const finding of findings) {
        const label = labels.get(finding)
        io.stdout(
          `${finding.path}:${finding.line}: ${finding.hint} (${finding.kind} token)${label ? ` ${label}` : ''}\n`,
        )
      }
      // Binary files are only counted: a repository's images would drown the rest.
      for (const file of skipped)
        if (file.reason !== 'binary') io.stderr(`latchkey: skipped ${file.path} (${file.reason})\n`)
      const binary = skipped.filter((file) => file.reason === 'binary').length
      io.stderr(
        `${findings.length} token(s) found in ${filesScanned} file(s) scanned${binary ? `; ${binary} binary file(s) skipped` : ''}\n`,
      )
    }
    if (failure) {
      io.stderr(`latchkey: the report failed: ${failure}\n`)
      return SCAN_REPORT_FAILED
    }
    return findings.length > 0 ? SCAN_FOUND : 0
  },
}
