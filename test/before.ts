// Run by tap once before the test files (package.json "tap.before"): builds the migrated
// database that every test starts from, so that parallel test files do not each build it,
// and the transpiled CLI that the process-level tests start (test/compiled-cli.ts), and
// starts installing the system suites' programs where they are missing.
import { buildCompiledCli } from './compiled-cli.js'
import { prepareDatabaseSnapshot } from './database.js'
import { installSuiteProgramsInBackground } from './system/require-program.js'

installSuiteProgramsInBackground()

await Promise.all([prepareDatabaseSnapshot(), buildCompiledCli()])
