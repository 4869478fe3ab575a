import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import t from 'tap'
import { SUITES, testFiles } from './suites.js'

// `npm test` runs the files of test/suites/, not the test files themselves
// (test/suites.ts): a test file in no suite's folder would never run.
const TEST = import.meta.dirname

function directories(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => [join(dir, entry.name), ...directories(join(dir, entry.name))])
}

t.test('every test file outside test/system is run by exactly one suite', async (t) => {
  const { tap } = JSON.parse(readFileSync(join(TEST, '..', 'package.json'), 'utf8'))
  t.same(tap.include, [
    'test/suites/*.test.ts',
    'test/system/*.test.ts',
    'test/system/gateway/*.test.ts',
    'test/system/timed/**/*.test.ts',
  ])

  const runs = Object.values(SUITES).flat()
  t.equal(new Set(runs).size, runs.length, 'no folder is in two suites')
  const own = [join(TEST, 'system'), join(TEST, 'suites')]
  for (const dir of [TEST, ...directories(TEST)].filter((dir) => !own.some((o) => dir.startsWith(o)))) {
    if (testFiles(dir).length === 0) continue
    const folder = relative(TEST, dir)
    t.ok(runs.includes(folder), `${folder || 'test/'} is in a suite`)
  }
  for (const folder of runs) t.ok(testFiles(join(TEST, folder)).length > 0, `${folder || 'test/'} has tests`)

  const files = readdirSync(join(TEST, 'suites')).sort()
  t.same(
    files,
    Object.keys(SUITES)
      .map((name) => `${name}.test.ts`)
      .sort(),
    'one file a suite in test/suites/',
  )
  for (const name of Object.keys(SUITES))
    t.match(readFileSync(join(TEST, 'suites', `${name}.test.ts`), 'utf8'), `runSuite('${name}')`)
  t.ok(testFiles(TEST).includes(import.meta.filename), 'this file is among those found')
})

t.test('every folder of test/system with tests runs by tap.include or in a suite, not both', async (t) => {
  const { tap } = JSON.parse(readFileSync(join(TEST, '..', 'package.json'), 'utf8'))
  const globs: string[] = tap.include
  const runs = Object.values(SUITES).flat()
  const folders = directories(join(TEST, 'system')).filter((dir) => testFiles(dir).length > 0)
  t.ok(folders.length >= 4, 'browser, gateway, timed and timed/faults at least')
  for (const dir of folders) {
    const folder = relative(TEST, dir)
    const included = globs.some(
      (glob) =>
        glob === `test/${folder}/*.test.ts` ||
        (glob.endsWith('/**/*.test.ts') && `test/${folder}/`.startsWith(glob.replace('**/*.test.ts', ''))),
    )
    const inSuite = runs.includes(folder)
    t.ok(
      included !== inSuite,
      `test/${folder}: ${included ? 'in tap.include' : inSuite ? 'in a suite' : 'not run'}`,
    )
  }
  t.same(tap.serial, ['test/system/timed'], 'the suites that time what they see run one at a time, last')
})
