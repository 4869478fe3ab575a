// npm test runs the tests from a copy of src/ and test/ compiled once a run by esbuild
// (tap's `before` step, test/before.ts), not under tsx: tsx's loader hooks run every
// import of a process through a second thread, some 5 s of CPU in each suite process
// (20 % of it). The copy is .test-build/: the compiled files at the same paths, and a
// link to everything else at the top (package.json, views, migrations, node_modules,
// README.md…), so every path the code finds from its own location stays true. Tests
// that read the sources themselves find them through REPO (below).
// Plain JavaScript: the suites' launchers (test/suites/*.test.mjs) import it before
// anything can load TypeScript. A test is taken from the copy only while the copy's
// stamp names every source file's time; otherwise the source is loaded under tsx.
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'

/** The repository: also from the copy, whose package.json is a link to the repository's. */
export const REPO = dirname(realpathSync(join(import.meta.dirname, '..', 'package.json')))
export const BUILD = join(REPO, '.test-build')
const STAMP = join(BUILD, '.sources-stamp')
const COMPILED = ['src', 'test']
const NOT_LINKED = new Set([...COMPILED, '.git', '.test-build', '.tap'])

/** Every file under the compiled folders (test files write scratch files beside themselves: not .ts). */
function sourceFiles(dir = REPO, depth = 0) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (depth === 0 && !COMPILED.includes(entry.name)) return []
    const path = join(dir, entry.name)
    return entry.isDirectory() ? sourceFiles(path, depth + 1) : [path]
  })
}

/** Names the sources as they are now: every TypeScript file's path and modification time. */
function sourcesStamp(files = sourceFiles()) {
  return files
    .filter((file) => file.endsWith('.ts'))
    .sort()
    .map((file) => `${relative(REPO, file)}:${statSync(file).mtimeMs}`)
    .join('\n')
}

/** Whether .test-build/ holds the sources as they are now. */
export function buildIsCurrent() {
  try {
    return readFileSync(STAMP, 'utf8') === sourcesStamp()
  } catch {
    return false
  }
}

/** Compiles src/ and test/ into .test-build/ (no type checking: the typecheck step does that). */
export async function buildCompiled() {
  const { build } = await import('esbuild')
  const files = sourceFiles()
  rmSync(BUILD, { recursive: true, force: true })
  mkdirSync(BUILD, { recursive: true })
  await build({
    entryPoints: files.filter((file) => file.endsWith('.ts')),
    outdir: BUILD,
    outbase: REPO,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  })
  for (const file of files.filter((file) => !file.endsWith('.ts'))) {
    mkdirSync(dirname(join(BUILD, relative(REPO, file))), { recursive: true })
    copyFileSync(file, join(BUILD, relative(REPO, file)))
  }
  for (const name of readdirSync(REPO)) {
    if (!NOT_LINKED.has(name)) symlinkSync(join(REPO, name), join(BUILD, name))
  }
  writeFileSync(STAMP, sourcesStamp(files))
}

/**
 * Imports a TypeScript module of the repository (`test/suites.ts`): its compiled
 * copy when the build is current, else the source, loading tsx first.
 */
export async function importModule(path) {
  if (buildIsCurrent()) return import(pathToFileURL(join(BUILD, path.replace(/\.ts$/, '.js'))).href)
  await import('tsx')
  return import(pathToFileURL(join(REPO, path)).href)
}
