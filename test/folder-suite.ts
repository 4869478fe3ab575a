import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'

// tap runs every test file in a process of its own. Starting one costs about five
// seconds of CPU before the first test runs (Node, tsx's loader hooks, importing the
// app, PGlite's WebAssembly and data directory), which over 150 files was most of
// `npm test`'s time. So `npm test` runs one process per folder: each folder's
// all.test.ts imports the folder's test files, whose tests then run one after
// another in that process, as they would in their own. A file still runs alone with
// `npx tap test/FOLDER/FILE.test.ts`. The system suites (test/system) stay one
// process each: they start servers, browsers and images and run one at a time.

const ROOT = join(import.meta.dirname, '..')
/** tap's timeout for a test file (package.json "tap.timeout"), in ms. */
const FILE_TIMEOUT_MS = Number(process.env.TAP_TIMEOUT ?? 30) * 1000
/** The name of the file that runs a folder. */
export const FOLDER_SUITE = 'all.test.ts'

type Register = (...args: unknown[]) => unknown

/** The test files that `dir`'s all.test.ts runs: every *.test.ts directly in it. */
export function folderTestFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.test.ts') && name !== FOLDER_SUITE)
    .sort()
    .map((name) => join(dir, name))
}

/**
 * Imports every test file of `dir` into this process. While a file is imported, its
 * top-level tests are registered under its path ("oauth/token.test.ts › …") so that
 * a failure names its file, and its `t.setTimeout` budget is added to the folder's
 * instead of replacing it.
 */
export async function runFolder(dir: string): Promise<void> {
  const root = t as unknown as { test: Register; setTimeout: (ms: number) => unknown }
  const { test, setTimeout } = root
  let budget = 0
  try {
    for (const file of folderTestFiles(dir)) {
      const label = relative(join(ROOT, 'test'), file)
      let fileBudget = FILE_TIMEOUT_MS
      root.test = (name: unknown, ...rest: unknown[]) =>
        typeof name === 'string' ? test.call(t, `${label} › ${name}`, ...rest) : test.call(t, name, ...rest)
      root.setTimeout = (ms: number) => {
        fileBudget = ms
      }
      await import(pathToFileURL(file).href)
      budget += fileBudget
    }
  } finally {
    root.test = test
    root.setTimeout = setTimeout
  }
  t.setTimeout(budget)
}
