import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

// The CLI tests start `latchkey` as a process a hundred times or so. Under tsx each
// start loads esbuild's loader hooks and transpiles on their thread: about two
// seconds of CPU before the first line of the CLI runs. So tap's `before` step
// (test/before.ts) transpiles src/ once a run with esbuild (well under a second,
// no type checking: the typecheck step does that) into .test-build/, at the same
// depth as src/ so that every path the code finds from its own location (views,
// migrations, package.json) stays the same. A process started outside a tap run,
// or after a source changed, falls back to tsx: the build is used only while its
// stamp names the newest source file's time.
const ROOT = join(import.meta.dirname, '..')
const SRC = join(ROOT, 'src')
const BUILD = join(ROOT, '.test-build')
const STAMP = join(BUILD, '.sources-stamp')

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** Names the sources as they are now: every file's path and modification time. */
function sourcesStamp(files = sourceFiles()): string {
  return files
    .sort()
    .map((file) => `${file}:${statSync(file).mtimeMs}`)
    .join('\n')
}

/** Transpiles src/ into .test-build/ (run once per tap run, before the test files). */
export async function buildCompiledCli(): Promise<void> {
  const { build } = await import('esbuild')
  const files = sourceFiles()
  rmSync(BUILD, { recursive: true, force: true })
  mkdirSync(BUILD, { recursive: true })
  await build({
    entryPoints: files,
    outdir: BUILD,
    outbase: SRC,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  })
  writeFileSync(STAMP, sourcesStamp(files))
}

function buildIsCurrent(): boolean {
  try {
    return readFileSync(STAMP, 'utf8') === sourcesStamp()
  } catch {
    return false
  }
}

/** The command line that runs `latchkey`: the transpiled build when it is current, else the sources under tsx. */
export function latchkeyCommand(): string[] {
  return buildIsCurrent()
    ? [process.execPath, join(BUILD, 'cli.js')]
    : [process.execPath, '--import', 'tsx', join(SRC, 'cli.ts')]
}
