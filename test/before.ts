// Run by tap once before the test files (package.json "tap.before"): builds the migrated
// database that every test starts from, so that parallel test files do not each build it,
// and the compiled copy of src/ and test/ that the suites run from (test/compiled.mjs),
// and starts installing the system suites' programs where they are missing.
import { buildCompiled } from './compiled.mjs'
import { prepareDatabaseSnapshot } from './database.js'
import { installSuiteProgramsInBackground } from './system/require-program.js'

installSuiteProgramsInBackground()
await Promise.all([prepareDatabaseSnapshot(), buildCompiled()])
