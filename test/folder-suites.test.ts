import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import t from 'tap'
import { FOLDER_SUITE, folderTestFiles } from './folder-suite.js'

// `npm test` runs each folder's all.test.ts, not the files themselves
// (test/folder-suite.ts): a test file that no all.test.ts imports would never run.
const TEST = import.meta.dirname

function directories(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => [join(dir, entry.name), ...directories(join(dir, entry.name))])
}

t.test('every test file outside test/system is run by its folder’s all.test.ts', async (t) => {
  const { tap } = JSON.parse(readFileSync(join(TEST, '..', 'package.json'), 'utf8'))
  t.same(tap.include, ['test/all.test.ts', 'test/*/all.test.ts', 'test/system/**/*.test.ts'])
  const system = join(TEST, 'system')
  for (const dir of [TEST, ...directories(TEST)].filter((dir) => !dir.startsWith(system))) {
    const files = folderTestFiles(dir)
    if (files.length === 0) continue
    const name = relative(TEST, dir) || 'test/'
    t.equal(relative(TEST, dir).split('/').length <= 1, true, `${name} is test/ or one of its folders`)
    t.ok(existsSync(join(dir, FOLDER_SUITE)), `${name} has an ${FOLDER_SUITE}`)
  }
  t.ok(folderTestFiles(TEST).includes(import.meta.filename), 'this file is among those found')
})
