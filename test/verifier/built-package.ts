import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO } from '../compiled.mjs'
import { runProcess } from '../fixtures.js'

const ENTRIES = ['index', 'fastify', 'express'].map((name) => `src/verifier/${name}.ts`)

export interface BuiltPackage {
  /** A temporary copy of the package: package.json and dist/ with the verifier's files. */
  dir: string
  exports: Record<string, { types: string; default: string } | string>
  build: { code: number | null; stdout: string; stderr: string }
}

/**
 * Builds the verifier's entry points into a temporary copy of the package (the
 * repository's dist/ is left alone), with node_modules linked so that examples
 * find fastify and express, and a stray import would load rather than fail.
 */
export async function buildPackage(t: { teardown(fn: () => void): void }): Promise<BuiltPackage> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-verifier-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as BuiltPackage & { type: string }
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg))
  const build = await runProcess(
    process.execPath,
    [
      join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'),
      ...['--outDir', join(dir, 'dist'), '--rootDir', join(REPO, 'src'), '--declaration'],
      ...['--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2023', '--types', 'node'],
      ...['--strict', '--skipLibCheck', '--verbatimModuleSyntax', '--isolatedModules'],
      ...ENTRIES.map((entry) => join(REPO, entry)),
    ],
    { cwd: REPO },
  )
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return { dir, exports: pkg.exports, build }
}
