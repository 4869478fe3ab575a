import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import t from 'tap'
import { SUITES, suiteFile, testFiles } from './suites.js'

// `npm test` runs the suites' files (test/suites.ts), not the test files themselves:
// a test file in no suite's folder would never run. Read where this file runs from:
// the sources, or their compiled copy (test/compiled.mjs), which holds the same files.
const TEST = import.meta.dirname
const tap = JSON.parse(readFileSync(join(TEST, '..', 'package.json'), 'utf8')).tap

function directories(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => [join(dir, entry.name), ...directories(join(dir, entry.name))])
}

t.test('every folder with tests is run by exactly one suite', async (t) => {
  t.same(tap.include, ['test/suites/*.test.mjs', 'test/system/timed.test.mjs'])
  const runs = Object.values(SUITES).flat()
  t.equal(new Set(runs).size, runs.length, 'no folder is in two suites')
  for (const dir of [TEST, ...directories(TEST)]) {
    if (testFiles(dir).length === 0) continue
    const folder = relative(TEST, dir)
    t.ok(runs.includes(folder), `${folder || 'test/'} is in a suite`)
  }
  for (const folder of runs) t.ok(testFiles(join(TEST, folder)).length > 0, `${folder || 'test/'} has tests`)
  t.ok(testFiles(TEST).includes(import.meta.filename), 'this file is among those found')
})

t.test('each suite has its file, which runs that suite, and there is no other', async (t) => {
  const launchers = readdirSync(join(TEST, 'suites')).map((name) => `suites/${name}`)
  const names = Object.keys(SUITES)
  t.same(
    [...launchers, 'system/timed.test.mjs'].sort(),
    names.map(suiteFile).sort(),
    'test/suites/NAME.test.mjs a suite, and test/system/timed.test.mjs',
  )
  for (const name of names)
    t.match(readFileSync(join(TEST, suiteFile(name)), 'utf8'), `runSuite('${name}')`, suiteFile(name))
  t.same(tap.serial, ['test/system/timed.test.mjs'], 'the timed suite runs alone')
  t.ok(
    [...tap.include].sort((a: string, b: string) => a.localeCompare(b, 'en')).at(-1) ===
      'test/system/timed.test.mjs',
    'and sorts after every other file, so it runs last',
  )
})
