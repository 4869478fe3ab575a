import { readdirSync } from 'node:fs'
import { extname, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'

// tap runs every test file in a process of its own. Starting one costs seconds of
// CPU before the first test runs (Node, importing the app, PGlite's WebAssembly and
// data directory), which over 160 files was most of `npm test`'s time. So `npm test`
// runs thirteen such processes: each file in test/suites/ (and test/system/timed.test.mjs)
// names one of the suites below and imports the test files of its folders, from the
// compiled copy (test/compiled.mjs), whose tests then run one after another in that
// process, as they would in their own. A file still runs alone with `npx tap
// test/FOLDER/FILE.test.ts`, under tsx. tap starts the files in the order of their
// names, three at a time, so the three longest suites come first by name
// (accounts-and-apps, browser, cli: the command line starts `latchkey` some forty
// times) and the short ones fill the end. 'browser' runs test/system/browser, whose
// files share one chromium, and 'image' the image's steps; 'timed' the suites that
// time what they see, alone and last; 'deployment' the compose file and the nginx
// gateway.

const TEST = import.meta.dirname

/** The folders of test/ each suite runs ('' is test/ itself). */
export const SUITES: Record<string, string[]> = {
  'accounts-and-apps': [
    'accounts',
    'account-security',
    'invitations',
    'members',
    'sub-accounts',
    'users',
    'api-tokens',
    'applications',
    'authorizations',
    'tokens',
  ],
  browser: ['system/browser'],
  cli: ['cli'],
  deployment: ['system/compose', 'system/gateway'],
  factors: ['passkeys', 'signup', 'step-up', 'two-factor'],
  image: ['system/image'],
  oauth: ['consent', 'device', 'oauth', 'oidc'],
  operations: ['bad-input', 'mail', 'ops', 'profile', 'security'],
  platform: ['', 'audit', 'db', 'docs'],
  services: ['cluster', 'examples', 'http', 'verifier'],
  'sign-in': ['auth', 'passwords'],
  timed: ['system/timed', 'system/timed/faults'],
  validation: ['invalidation', 'token-events', 'validation'],
}

/**
 * Each suite's file (relative to test/): test/suites/NAME.test.mjs, except the timed
 * suite's, which runs alone (package.json "tap.serial") and so sorts after the rest.
 */
export function suiteFile(name: string): string {
  return name === 'timed' ? 'system/timed.test.mjs' : `suites/${name}.test.mjs`
}

/** tap's timeout for a test file (package.json "tap.timeout"), in ms. */
const FILE_TIMEOUT_MS = Number(process.env.TAP_TIMEOUT ?? 30) * 1000

type Register = (...args: unknown[]) => unknown

/** The test files directly in `dir` (.test.ts, or .test.js in the compiled copy this module runs from). */
export function testFiles(dir: string): string[] {
  const suffix = `.test${extname(import.meta.filename)}`
  return readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => join(dir, name))
}

/**
 * Imports the test files of a suite's folders into this process. While a file is
 * imported, its top-level tests are registered under its source's path
 * ("oauth/token.test.ts › …", also when it runs compiled) so that a failure names its
 * file, and its `t.setTimeout` budget is added to the suite's instead of replacing it.
 */
export async function runSuite(name: string): Promise<void> {
  const folders = SUITES[name]
  if (!folders) throw new Error(`no test suite named ${name}`)
  const root = t as unknown as { test: Register; setTimeout: (ms: number) => unknown }
  const { test, setTimeout } = root
  let budget = 0
  try {
    for (const file of folders.flatMap((folder) => testFiles(join(TEST, folder)))) {
      const label = relative(TEST, file).replace(/\.js$/, '.ts')
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
