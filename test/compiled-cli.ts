import { join } from 'node:path'
import { BUILD, buildIsCurrent, REPO } from './compiled.mjs'

// The CLI tests start `latchkey` as a process some forty times. Under tsx each start
// loads esbuild's loader hooks and transpiles on their thread: about two seconds of CPU
// before the first line of the CLI runs. So they start the copy that tap's `before`
// step compiles (test/compiled.mjs); a process started outside a tap run, or after a
// source changed, falls back to tsx.

/** The command line that runs `latchkey`: the compiled copy when it is current, else the sources under tsx. */
export function latchkeyCommand(): string[] {
  return buildIsCurrent()
    ? [process.execPath, join(BUILD, 'src', 'cli.js')]
    : [process.execPath, '--import', 'tsx', join(REPO, 'src', 'cli.ts')]
}
