// Run by tap once before the test files (package.json "tap.before"): builds the migrated
// database that every test starts from, so that parallel test files do not each build it,
// and the transpiled CLI that the process-level tests start (test/compiled-cli.ts).
import { buildCompiledCli } from './compiled-cli.js'
import { prepareDatabaseSnapshot } from './database.js'

await Promise.all([prepareDatabaseSnapshot(), buildCompiledCli()])
