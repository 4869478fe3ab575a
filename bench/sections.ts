// Sections of bench/RESULTS.md written by runs of their own (`npm run bench -- --storm`,
// `-- --verifier`), each between two markers: a run replaces its own section, and
// rewriting the main table (`npm run bench`, `-- --report`) keeps all of them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

const RESULTS = 'bench/RESULTS.md'
const begin = (name: string) => `<!-- ${name}: begin -->`
const end = (name: string) => `<!-- ${name}: end -->`

function current(): string {
  return existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : ''
}

/** `body` between the section's markers. */
export function markedSection(name: string, body: string): string {
  return `${begin(name)}\n${body.trim()}\n${end(name)}`
}

/** Puts a section into RESULTS.md, replacing the previous one of the same name (or after the rest). */
export function spliceSection(name: string, body: string): void {
  const text = current()
  const start = text.indexOf(begin(name))
  const stop = text.indexOf(end(name))
  const rest =
    start === -1 || stop === -1
      ? text.trimEnd()
      : `${text.slice(0, start)}${text.slice(stop + end(name).length)}`.trimEnd()
  writeFileSync(RESULTS, `${rest}\n\n${markedSection(name, body)}\n`)
}

/** Every marked section now in RESULTS.md, in order, so that a rewrite of the main table keeps them. */
export function existingSections(): string[] {
  return [...current().matchAll(/<!-- ([a-z-]+): begin -->[\s\S]*?<!-- \1: end -->/g)].map(
    (match) => match[0],
  )
}
