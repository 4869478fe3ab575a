import { readFileSync } from 'node:fs'

/**
 * The code block that follows `<!-- snippet: NAME -->` in README.md, so a test can
 * run the README's examples as written (write it to a file, run it against a test
 * server). Fails loudly when the marker or its block is missing.
 */
export function readmeSnippet(name: string): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const marker = `<!-- snippet: ${name} -->`
  const at = readme.indexOf(marker)
  if (at < 0) throw new Error(`README.md has no ${marker}`)
  const block = /```[a-z]*\n([\s\S]*?)\n```/.exec(readme.slice(at + marker.length))
  if (!block?.[1]) throw new Error(`README.md has no code block after ${marker}`)
  return block[1]
}
