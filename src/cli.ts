#!/usr/bin/env node
import { runCli } from './cli/run.js'

// The `latchkey` command (CONTRACT 7 and 12); the commands are in cli/commands.ts.
const code = await runCli(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
})
if (code >= 0) process.exitCode = code
