import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { REPO } from '../compiled.mjs'

// ARCHITECTURE.md is the map a reader starts from: it must name every folder of src/ and say
// where every section of the contract lives. A new folder or contract section without a row fails.

const architecture = readFileSync(join(REPO, 'ARCHITECTURE.md'), 'utf8')
const contract = readFileSync(join(REPO, 'docs', 'contract.md'), 'utf8')

t.test('the folder map has a row for every folder of src/', async (t) => {
  const folders = readdirSync(join(REPO, 'src'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
  t.ok(folders.length > 10, `${folders.length} folders`)
  for (const folder of folders) {
    t.ok(architecture.includes(`| \`${folder}/\` |`), `${folder}/ is in ARCHITECTURE.md's folder map`)
  }
})

t.test(
  'every section of docs/contract.md has a row in "Where each section of the contract lives"',
  async (t) => {
    const numbers = [...contract.matchAll(/^#{2,3} (\d+[a-z]?)\. /gm)].map((m) => m[1]!)
    // A section split into 4a and 4b is mapped by its parts.
    const leaves = numbers.filter((n) => !numbers.some((other) => new RegExp(`^${n}[a-z]$`).test(other)))
    t.ok(leaves.includes('1') && leaves.includes('4a') && !leaves.includes('4'), leaves.join(' '))
    for (const section of leaves) {
      t.match(architecture, new RegExp(`^\\| ${section}\\. `, 'm'), `section ${section}`)
    }
  },
)
