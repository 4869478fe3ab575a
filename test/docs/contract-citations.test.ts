import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { REPO } from '../compiled.mjs'

// The code cites the contract as "CONTRACT section 2", "CONTRACT 4b", "CONTRACT 4a.3" or
// "CONTRACT sections 4b, 5 and 6". Each citation must name a heading of docs/contract.md (and, for
// "4a.3", a numbered item of that section), so that a reader can follow it.

const contract = readFileSync(join(REPO, 'docs', 'contract.md'), 'utf8')

/** Section number → its text, from the `## 1.` and `### 4a.` headings. */
const sections = new Map<string, string>()
{
  const headings = [...contract.matchAll(/^#{2,3} (\d+[a-z]?)\. .*$/gm)]
  headings.forEach((heading, i) => {
    const end = headings[i + 1]?.index ?? contract.length
    sections.set(heading[1]!, contract.slice(heading.index, end))
  })
}

const resolves = (section: string, item: string | undefined) => {
  const text = sections.get(section)
  if (text === undefined) return false
  return item === undefined || new RegExp(`^${item}\\. `, 'm').test(text)
}

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })

/** A comment's text on one line: a citation may break across lines of a block or line comment. */
const oneLine = (source: string) => source.replace(/\s*\n\s*(?:\*(?!\/)|\/\/)?\s*/g, ' ')

const SECTION = String.raw`\d+[a-z]?(?:\.\d+)?`
const CITATION = new RegExp(`CONTRACT(?: sections?)? (${SECTION}(?:(?:, | and )${SECTION})*)`, 'g')

t.test('docs/contract.md has the numbered sections the code cites', async (t) => {
  for (const section of ['1', '2', '4a', '4b', '5a', '5b', '6']) t.ok(sections.has(section), section)
})

t.test('every "CONTRACT …" citation in src/ names a section of docs/contract.md', async (t) => {
  let citations = 0
  for (const file of sourceFiles(join(REPO, 'src'))) {
    const text = oneLine(readFileSync(file, 'utf8'))
    if (!text.includes('CONTRACT')) continue
    const name = file.slice(REPO.length + 1)
    const cited = [...text.matchAll(CITATION)]
    // Any other use of the word is a citation form this test does not understand yet.
    t.equal(cited.length, text.split('CONTRACT').length - 1, `${name}: every CONTRACT is a citation`)
    for (const match of cited) {
      for (const ref of match[1]!.split(/, | and /)) {
        const [section, item] = ref.split('.') as [string, string | undefined]
        citations++
        t.ok(resolves(section, item), `${name}: CONTRACT ${ref}`)
      }
    }
  }
  t.ok(citations >= 20, `found ${citations} citations`)
})

t.test('docs/contract.md is the shared contract, copied unchanged', async (t) => {
  // Next to the checkout, the team keeps the contract every branch works to. Outside that
  // layout (a fresh clone) there is nothing to compare with.
  const shared = join(REPO, '..', 'shared', 'CONTRACT.md')
  if (!existsSync(shared)) return t.pass('no ../shared/CONTRACT.md next to this checkout')
  t.equal(contract, readFileSync(shared, 'utf8'), 'copy ../shared/CONTRACT.md to docs/contract.md')
})
